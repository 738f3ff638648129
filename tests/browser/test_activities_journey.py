"""Issue 18's journey in a real browser, one person (browser context) after another.

优社优家 publishes a chess class at 桃南二社区's activity room → three residents take its
three places → a fourth lands on the waiting list → one cancels and the fourth is promoted →
the day-before reminder (the beat task, run here) reaches the promoted resident in-app and
by SMS → community staff take attendance on a phone-sized screen → a volunteer's shift is
marked attended and the hours appear on the volunteer's record, never typed → staff record
an hour of neighbourly help, confirm it, and the helper spends it.

About 4 minutes on the shared 2-core machine (most of it the live server and
chromium start-up under load); screenshots of each step under screenshots/activities-*.png.
"""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from activities.domain.reminders import activity_reminders_send
from activities.models import Activity, HoursCredit, ShiftSignup, Signup, TimeBankAccount
from communities.models import Venue
from sanlian.roles import Role
from services.models import Notification
from tests import factories as f
from tests.browser.conftest import PHONE
from tests.factories.activities import ShiftFactory, VolunteerPostFactory
from tests.services._reminders_support import sms_lines

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def neighbourhood(cast, settings, tmp_path):
    settings.SMS_BACKEND, settings.SMS_LOG_PATH = "file", tmp_path / "sms.log"
    settings.SMS_QUIET_HOURS = ""
    room = f.VenueFactory(
        community=cast.community, name="活动室", kind=Venue.Kind.ACTIVITY_ROOM, capacity=20
    )
    people = {"grandma": cast.resident}
    for username, name in (("zhang", "张大爷"), ("zhao", "赵奶奶"), ("qian", "钱奶奶")):
        user = f.UserFactory(username=username, role=Role.RESIDENT, display_name=name)
        people[username] = f.ResidentFactory(community=cast.community, user=user, name=name)
    for resident in people.values():
        f.ConsentFactory(resident=resident)
    volunteer = f.VolunteerFactory(
        name="孙志愿者",
        team=f.VolunteerTeamFactory(community=cast.community),
        user=f.UserFactory(username="sun", role=Role.VOLUNTEER),
    )
    now = timezone.now()
    shift = ShiftFactory(
        post=VolunteerPostFactory(community=cast.community, title="棋艺助教"),
        starts_at=now - datetime.timedelta(hours=3),
        ends_at=now - datetime.timedelta(hours=1),
    )
    ShiftSignup.objects.create(shift=shift, volunteer=volunteer)
    return {"room": room, "people": people, "volunteer": volunteer, "shift": shift}


def _choose(page, name: str, text: str) -> None:
    option = page.locator(f"select[name={name}] option", has_text=text).first
    page.select_option(f"select[name={name}]", value=option.get_attribute("value"))


def _local(moment: datetime.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def _publish(tab, room) -> Activity:
    tab.login("alice")
    tab.goto(reverse("activities:create"))
    # Starts within the hour, so the door list opens today; the reminder's window covers it.
    start = (timezone.now() + datetime.timedelta(minutes=40)).replace(second=0, microsecond=0)
    tab.page.fill("input[name=title]", "象棋辅导班")
    _choose(tab.page, "venue", "活动室")
    tab.page.fill("input[name=starts_at]", _local(start))
    tab.page.fill("input[name=ends_at]", _local(start + datetime.timedelta(hours=2)))
    tab.page.fill("input[name=capacity]", "3")
    tab.shot("1-publish")
    tab.page.click("main form button[type=submit]")
    tab.page.wait_for_url("**/activities/*/")
    assert "活动已发布" in tab.page.content()
    return Activity.objects.get(title="象棋辅导班")


def _sign_up(open_tab, username: str, resident, activity: Activity) -> str:
    tab = open_tab(f"activities-{username}", viewport=PHONE)
    tab.login(username)
    tab.goto(reverse("activities:detail", args=[activity.pk]))
    _choose(tab.page, "resident", resident.name)
    tab.page.click("form[action$='/sign-up/'] button[type=submit]")
    tab.page.wait_for_url(f"**/activities/{activity.pk}/")
    text = tab.page.locator("main").inner_text()
    tab.shot("2-sign-up")
    tab.close()
    return text


def test_chess_class_places_waiting_list_reminder_door_hours_and_time_bank(
    open_tab, cast, neighbourhood, settings
):
    people = neighbourhood["people"]
    org = open_tab("activities-org")
    activity = _publish(org, neighbourhood["room"])
    assert activity.organization == cast.organization and activity.venue.name == "活动室"

    for username in ("grandma", "zhang", "zhao"):
        assert "报名成功" in _sign_up(open_tab, username, people[username], activity)
    activity.refresh_from_db()
    assert activity.confirmed_count == activity.capacity == 3
    assert "候补" in _sign_up(open_tab, "qian", people["qian"], activity)
    waiting = Signup.objects.get(activity=activity, resident=people["qian"])
    assert waiting.status == Signup.Status.WAITING

    grandma = open_tab("activities-grandma-cancels", viewport=PHONE)
    grandma.login("grandma")
    grandma.goto(reverse("activities:detail", args=[activity.pk]))
    grandma.page.click("form[action$='/cancel/'] button")
    grandma.page.wait_for_url(f"**/activities/{activity.pk}/")
    assert "已取消报名" in grandma.page.content()
    waiting.refresh_from_db()
    assert waiting.status == Signup.Status.CONFIRMED and waiting.promoted_at is not None

    # The beat task's run: the day-before reminder, in-app and by SMS, once.
    assert activity_reminders_send(now=timezone.now(), ahead=datetime.timedelta(hours=24)) >= 2
    qian = open_tab("activities-qian", viewport=PHONE)
    qian.login("qian")
    qian.goto(reverse("notifications:list"))
    assert "活动提醒：象棋辅导班" in qian.page.content()
    qian.shot("3-reminder")
    assert any("象棋辅导班" in line for line in sms_lines(settings.SMS_LOG_PATH))
    assert Notification.objects.filter(user__username="qian", title__contains="活动提醒").count()

    door = open_tab("activities-door", viewport=PHONE)
    door.login("community")
    door.goto(reverse("activities:door", args=[activity.pk]))
    row = door.page.locator(f"#signup-{waiting.pk}")
    row.get_by_role("button", name="签到").click()
    row.get_by_text("已签到").wait_for()
    assert door.no_horizontal_scroll()
    door.shot("4-door-phone")
    waiting.refresh_from_db()
    assert waiting.attended_at is not None

    # Volunteer hours from the shift's attendance: one tap, no number typed anywhere.
    shift, volunteer = neighbourhood["shift"], neighbourhood["volunteer"]
    door.goto(reverse("activities:shift_detail", args=[shift.pk]))
    door.page.get_by_role("button", name="已到岗").click()
    door.page.get_by_text("已计 120 分钟").wait_for()
    assert HoursCredit.objects.get(volunteer=volunteer).minutes == 120
    sun = open_tab("activities-volunteer", viewport=PHONE)
    sun.login("sun")
    sun.goto(reverse("activities:volunteer_record", args=[volunteer.pk]))
    assert "2.0" in sun.page.locator("tfoot").inner_text()
    sun.shot("5-volunteer-hours")

    # Mutual help: staff record an hour 张大爷 gave 赵奶奶, confirm it; he spends it.
    door.goto(reverse("activities:help_report"))
    _choose(door.page, "helper", "张大爷")
    _choose(door.page, "helped", "赵奶奶")
    door.page.select_option("select[name=kind]", "shopping")
    door.page.fill("input[name=day]", timezone.localdate().isoformat())
    door.page.fill("input[name=minutes]", "60")
    door.page.click("main form button[type=submit]")
    door.page.wait_for_url("**/time-bank/")
    door.page.get_by_role("button", name="确认").click()
    door.page.wait_for_url("**/time-bank/")
    door.shot("6-help-confirmed")
    account = TimeBankAccount.objects.get(resident=people["zhang"])
    assert account.balance_minutes == 60

    zhang = open_tab("activities-zhang-spends", viewport=PHONE)
    zhang.login("zhang")
    zhang.goto(reverse("activities:spend", args=[account.pk]))
    _choose(zhang.page, "beneficiary", "张大爷")
    zhang.page.fill("input[name=minutes]", "60")
    zhang.page.fill("input[name=reason]", "陪同就医")
    zhang.page.click("main form button[type=submit]")
    zhang.page.wait_for_url("**/time-bank/")
    assert "已兑换" in zhang.page.content()
    zhang.shot("7-hour-spent")
    account.refresh_from_db()
    assert account.balance_minutes == 0
