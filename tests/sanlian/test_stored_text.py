"""Sentences stored as facts show in the reader's language (newcomer item 16 of issue 21)."""

import datetime
import importlib

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext

from sanlian import stored_text
from services.matching.core import reason_facts
from services.models import Match, Notification
from services.notifications.escalations import escalation_checkin_overdue
from tests import factories as f

parse = importlib.import_module("services.migrations.0017_parse_stored_chinese_into_facts")


def _in(language: str, stored, fallback: str = "") -> str:
    with translation.override(language):
        return stored_text.render(stored, fallback)


def test_a_sentence_is_written_in_each_readers_language():
    facts = stored_text.text(
        "%(name)s 的个案检视应于 %(due)s 完成。", name="王秀英", due="2026-12-02"
    )
    assert _in("zh-hans", facts) == "王秀英 的个案检视应于 2026-12-02 完成。"
    assert "王秀英" in _in("en", facts) and "2026-12-02" in _in("en", facts)
    assert "检视" not in _in("en", facts)


def test_a_moment_is_written_in_the_readers_format():
    at = timezone.make_aware(datetime.datetime(2026, 12, 3, 10, 30))
    facts = stored_text.text(
        "%(resident)s %(when)s的%(service)s服务已超时未签到，请核实。",
        resident="王秀英",
        when=at,
        service="理发",
    )
    assert _in("zh-hans", facts) == "王秀英 12月3日 10:30的理发服务已超时未签到，请核实。"
    english = _in("en", facts)
    assert "10:30" in english and "月" not in english and "理发" in english


def test_unknown_or_empty_facts_fall_back_to_the_stored_text():
    assert _in("en", None, "旧的文字") == "旧的文字"
    broken = {"t": "%(gone)s 不在了", "p": {"other": 1}}
    assert _in("en", broken, "旧的文字") == "旧的文字"


class _Request:
    community_id, urgent, living_alone, care_level = 1, True, True, "dependent"
    age, days_waited = 86, 6
    excluded_organization_id = preferred_organization_id = None
    served_by_organization_ids = ()


class _Offering:
    home_community_id, organization_id, agreement_community_ids = 1, 9, ()


def test_a_match_reason_reads_in_chinese_and_in_english():
    facts = reason_facts(_Request(), _Offering(), 1.26)
    assert stored_text.source(facts) == "同社区；紧急；独居；失能；86岁；已等待6天；距离1.3公里"
    assert _in("zh-hans", facts) == stored_text.source(facts)
    assert _in("en", facts) == (
        "same community; Urgent; Living alone; Dependent; aged 86; waiting 6 days; 1.3 km away"
    )


@pytest.mark.django_db
def test_the_match_pages_show_the_reason_in_the_readers_language(client, cast):
    offering = f.OfferingFactory(organization=cast.organization, communities=[cast.community])
    f.MatchFactory(
        request=f.ServiceRequestFactory(resident=cast.resident),
        offering=offering,
        reason="同社区；独居",
        reason_facts=[stored_text.text("同社区"), stored_text.text("独居")],
        status=Match.Status.CONFIRMED,
    )
    client.force_login(cast.member)
    chinese = client.get(reverse("matching:inbox")).content.decode()
    client.cookies["django_language"] = "en"
    english = client.get(reverse("matching:inbox")).content.decode()
    assert "同社区；独居" in chinese
    assert "same community; Living alone" in english and "同社区" not in english


@pytest.mark.django_db
def test_a_notification_reads_in_the_readers_language(client, cast):
    visit = f.VisitFactory(request=f.ServiceRequestFactory(resident=cast.resident))
    assert escalation_checkin_overdue(visit=visit) == 1  # the community's staff
    notification = Notification.objects.get(user=cast.community_staff)
    assert notification.title == "上门服务未签到" and "超时未签到" in notification.body
    client.force_login(cast.community_staff)
    chinese = client.get(reverse("notifications:list")).content.decode()
    client.cookies["django_language"] = "en"
    english = client.get(reverse("notifications:list")).content.decode()
    assert "上门服务未签到" in chinese and "超时未签到" in chinese
    assert "Visit not checked in" in english
    assert "上门服务未签到" not in english and "超时未签到" not in english
    assert cast.resident.name in english


@pytest.mark.django_db
def test_old_rows_are_parsed_into_facts_where_the_pattern_is_known(cast):
    offering = f.OfferingFactory(organization=cast.organization, communities=[cast.community])
    known = f.MatchFactory(offering=offering, reason="已签入驻协议；独居；83岁；距离2.5公里")
    unknown = f.MatchFactory(offering=offering, reason="人工指派：王社工熟悉该户")
    old_notice = Notification.objects.create(
        user=cast.civil, title="能力评估需复评", body="王秀英 的能力评估已满12个月，请安排复评。"
    )
    odd_notice = Notification.objects.create(user=cast.civil, title="系统维护", body="今晚停机")
    Match.objects.update(reason_facts=None)

    parse.forwards(apps, None)

    known.refresh_from_db()
    unknown.refresh_from_db()
    old_notice.refresh_from_db()
    odd_notice.refresh_from_db()
    with translation.override("en"):
        assert known.shown_reason == "has an entry agreement; Living alone; aged 83; 2.5 km away"
        assert unknown.reason_facts is None and unknown.shown_reason == "人工指派：王社工熟悉该户"
        assert old_notice.body_facts == {
            "t": "%(name)s 的能力评估已满%(months)d个月，请安排复评。",
            "p": {"name": "王秀英", "months": 12},
        }
        assert "王秀英" in old_notice.shown_body and "复评" not in old_notice.shown_body
        assert odd_notice.body_facts is None and odd_notice.shown_body == "今晚停机"
    parse.backwards(apps, None)
    known.refresh_from_db()
    assert known.reason_facts is None and known.shown_reason == known.reason


def test_the_old_channel_alert_is_parsed_with_its_channel_name():
    facts = parse.notice_facts(
        "短信发送连续失败，已暂停，稍后自动重试；未送达的提醒将转为电话通知。 (TimeoutError)"
    )
    assert facts["p"] == {"channel": {"t": "短信", "p": {}}, "error": "TimeoutError"}
    assert _in("en", facts).startswith("SMS") and "TimeoutError" in _in("en", facts)


def test_many_sentences_in_one_go_read_as_each_alone():
    """in_language_writer (a batch of reminders) writes what in_language writes of the
    facts, sentence by sentence: shared moments and message ids, nested sentences, dates,
    numbers, broken facts."""
    at = timezone.make_aware(datetime.datetime(2026, 12, 3, 10, 30))
    other = timezone.make_aware(datetime.datetime(2026, 12, 4, 8, 5))
    overdue = "%(resident)s %(when)s的%(service)s服务已超时未签到，请核实。"
    review = "%(name)s 的个案检视应于 %(due)s 完成。"
    sentences = [
        (overdue, {"resident": "王秀英", "when": at, "service": "理发"}),
        (overdue, {"resident": "李桂兰", "when": other, "service": "量血压"}),
        (overdue, {"resident": "张玉梅", "when": at, "service": "理发"}),
        (review, {"name": "王秀英", "due": datetime.date(2026, 12, 2)}),
        (review, {"name": 7, "due": "2026-12-02"}),
        (overdue, {"resident": stored_text.text("上门服务提醒"), "when": at, "service": "理发"}),
        ("%(gone)s 不在了", {"other": 1}),
        ("上门服务提醒", {}),
    ]
    for language in ("zh-hans", "en"):
        alone = [
            stored_text.in_language(stored_text.text(msgid, **params), language)
            for msgid, params in sentences
        ]
        with stored_text.in_language_writer(language) as write:
            assert [write(msgid, **params) for msgid, params in sentences] == alone
    with stored_text.in_language_writer("en") as write:
        english = [write(msgid, **params) for msgid, params in sentences[:2]]
    assert "月" not in english[0] and english[0] != english[1]


def test_moments_written_in_a_batch_read_as_django_formats_them():
    """The batch writer splits a format once (_MomentFormat); Django's date_format, format by
    format: escapes, letters of every kind, both languages' moment formats."""
    when = timezone.make_aware(datetime.datetime(2026, 3, 7, 9, 5, 4))
    formats_to_check = ["n月j日 H:i", "N j, Y, P", r"\Y\e\s: D, d M y \a\t g:i a", "jS F o, l"]
    for language in ("zh-hans", "en"):
        with translation.override(language):
            formats_to_check.append(gettext("n月j日 H:i"))
            for format_string in formats_to_check:
                expected = formats.date_format(when, format_string)
                assert stored_text._MomentFormat(format_string).write(when) == expected
