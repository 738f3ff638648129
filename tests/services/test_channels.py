import pytest

from services.models import Notification, Reminder
from services.notifications import channels
from services.notifications.channels import (
    ALREADY_DELIVERED,
    SMS_MAX_CHARS,
    ChannelError,
    FileSmsGateway,
    HttpSmsGateway,
    notification_create,
    sms_fit,
)
from services.notifications.reminders import reminders_plan_for_visit
from tests.services._reminders_support import NOON, care_visit, gateway, later, sms_log, texts_of

__all__ = ["gateway", "sms_log"]


def http_gateway(server) -> HttpSmsGateway:
    return HttpSmsGateway(
        url=f"http://127.0.0.1:{server.server_address[1]}/sms", key="k-123", timeout=5
    )


def test_http_gateway_posts_json_with_the_idempotency_key(gateway):
    answer = http_gateway(gateway).send(phone="13900001111", text="你好", idempotency_key="abc")
    assert answer == "msg-1"
    assert gateway.received == [("abc", "Bearer k-123", {"phone": "13900001111", "text": "你好"})]


def test_http_gateway_reports_a_repeated_key_as_already_delivered(gateway):
    sender = http_gateway(gateway)
    sender.send(phone="13900001111", text="你好", idempotency_key="abc")
    assert sender.send(phone="13900001111", text="你好", idempotency_key="abc") == ALREADY_DELIVERED
    assert gateway.seen == {"abc"}


def test_http_gateway_error_raises_channel_error(gateway):
    gateway.fail = True
    with pytest.raises(ChannelError, match="HTTP 500"):
        http_gateway(gateway).send(phone="13900001111", text="你好", idempotency_key="abc")


def test_file_gateway_writes_one_line_per_key(tmp_path):
    sender = FileSmsGateway(path=tmp_path / "sms.log")
    assert sender.send(phone="13900001111", text="一", idempotency_key="k1") == "delivered"
    assert sender.send(phone="13900001111", text="一", idempotency_key="k1") == ALREADY_DELIVERED
    sender.send(phone="13900002222", text="二", idempotency_key="k2")
    lines = (tmp_path / "sms.log").read_text(encoding="utf-8").splitlines()
    # The recipient goes masked: the log is no copy of residents' numbers (issue 19).
    assert [line.split("\t")[1:] for line in lines] == [
        ["k1", "139****1111", "一"],
        ["k2", "139****2222", "二"],
    ]


def test_control_an_unmasked_log_would_hold_the_full_number(tmp_path, monkeypatch):
    """Control: without the masking the log line carries the whole number, which the
    assertion above would see."""
    monkeypatch.setattr(channels, "mask_phone", lambda phone: phone)
    FileSmsGateway(path=tmp_path / "sms.log").send(
        phone="13900001111", text="一", idempotency_key="k1"
    )
    assert "13900001111" in (tmp_path / "sms.log").read_text(encoding="utf-8")


def test_sms_text_is_cut_to_one_message():
    assert len(sms_fit("长" * 100)) == SMS_MAX_CHARS
    assert sms_fit("短") == "短"


def test_reminder_text_is_short_and_holds_no_identifier(cast, sms_log):
    cast.resident.name = "王" * 30
    cast.resident.save()
    care = care_visit(cast, start=later(30, now=NOON))
    reminders_plan_for_visit(visit=care.visit, now=NOON)
    for reminder in Reminder.objects.filter(visit=care.visit):
        (text,) = texts_of([reminder])
        assert len(text) <= SMS_MAX_CHARS
        assert cast.resident.id_number not in text
        assert cast.resident.phone not in text


def test_in_app_notification_is_created_once_per_key(cast):
    for _attempt in range(2):
        notification_create(
            user=cast.member, title="提醒", body="内容", link="", dedupe_key="reminder:x"
        )
    assert Notification.objects.filter(user=cast.member).count() == 1
