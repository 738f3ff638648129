"""The clock fixture reads Shanghai's wall clock, and freezing it moves Django's too."""

import datetime

from django.utils import timezone


def test_clock_dates_are_shanghai_dates_when_utc_is_still_on_the_day_before(clock):
    # Sunday 17:00 UTC is already Monday 01:00 in Shanghai.
    clock.freeze(datetime.datetime(2026, 11, 29, 17, 0, tzinfo=datetime.UTC))

    assert clock.today == timezone.localdate() == datetime.date(2026, 11, 30)
    assert clock.monday == datetime.date(2026, 11, 30)
    assert clock.next_monday == clock.week(1) == datetime.date(2026, 12, 7)
    assert clock.next_weekday(0, datetime.time(10)) == clock.at(
        datetime.date(2026, 12, 7), datetime.time(10)
    )
    assert timezone.localtime(clock.at(clock.today, datetime.time(9))).hour == 9


def test_clock_freeze_takes_a_naive_instant_as_shanghai_time(clock):
    frozen = clock.freeze(datetime.datetime(2026, 3, 1, 8, 30))

    assert timezone.now() == clock.now == frozen
    assert frozen == datetime.datetime(2026, 3, 1, 0, 30, tzinfo=datetime.UTC)
