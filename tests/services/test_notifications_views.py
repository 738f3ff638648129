import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from services.models import Notification, Reminder, ReminderPolicy
from services.notifications.reminders import reminders_plan_for_visit
from tests import factories as f
from tests.services._reminders_support import NOON, care_visit, later, sms_log

__all__ = ["sms_log"]


def notify(user, title="提醒", **extra) -> Notification:
    return Notification.objects.create(user=user, title=title, body="内容", **extra)


def _messages(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def failed_reminder(cast, *, resident=None) -> Reminder:
    request = f.ServiceRequestFactory(resident=resident or cast.resident)
    visit = f.VisitFactory(request=request, scheduled_start=later(2, now=NOON))
    return f.ReminderFactory(
        visit=visit,
        due_at=NOON,
        status=Reminder.Status.FAILED,
        attempts=5,
        response="ChannelError: HTTP 500",
    )


def test_notification_list_shows_own_notifications_only(client, cast):
    notify(cast.member, title="我的通知")
    notify(cast.other_member, title="别人的通知")
    client.force_login(cast.member)
    response = client.get(reverse("notifications:list"))
    assert [n.title for n in response.context["page_obj"]] == ["我的通知"]
    assert response.context["unread_notifications"] == 1
    assert "别人的通知" not in response.content.decode()


def test_notification_list_filters_unread_and_searches(client, cast):
    notify(cast.member, title="已读的")
    Notification.objects.update(read_at=NOON)
    notify(cast.member, title="未读的")
    notify(cast.member, title="另一条")
    client.force_login(cast.member)
    response = client.get(reverse("notifications:list"), {"unread": "1", "q": "未读"})
    assert [n.title for n in response.context["page_obj"]] == ["未读的"]


def test_notification_list_query_count_is_fixed(client, cast, django_assert_max_num_queries):
    for number in range(25):
        notify(cast.member, title=f"通知{number}")
    client.force_login(cast.member)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("notifications:list"))
    assert len(response.context["page_obj"]) == 20


def test_mark_read_marks_own_and_follows_the_link(client, cast):
    mine = notify(cast.member, link="/services/")
    client.force_login(cast.member)
    response = client.post(reverse("notifications:read", args=[mine.pk]))
    assert response.status_code == 302 and response["Location"] == "/services/"
    mine.refresh_from_db()
    assert mine.read_at is not None


def test_mark_read_of_someone_elses_notification_is_404(client, cast):
    theirs = notify(cast.other_member)
    client.force_login(cast.member)
    assert client.post(reverse("notifications:read", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_read_needs_post(client, cast):
    mine = notify(cast.member)
    client.force_login(cast.member)
    assert client.get(reverse("notifications:read", args=[mine.pk])).status_code == 405
    mine.refresh_from_db()
    assert mine.read_at is None


def test_mark_all_read_leaves_other_users_alone(client, cast):
    notify(cast.member)
    notify(cast.member)
    theirs = notify(cast.other_member)
    client.force_login(cast.member)
    response = client.post(reverse("notifications:read_all"))
    assert response.status_code == 302
    assert _messages(response) == ["已将 2 条通知标为已读。"]
    assert Notification.objects.filter(user=cast.member, read_at__isnull=False).count() == 2
    assert not Notification.objects.filter(user=cast.member, read_at__isnull=True).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("notifications:list"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_failed_reminders_page_lists_the_staffs_area_with_masked_phone(client, cast):
    ours = failed_reminder(cast)
    failed_reminder(cast, resident=cast.other_resident)
    client.force_login(cast.street_staff)
    response = client.get(reverse("notifications:failed_reminders"))
    assert [r.pk for r in response.context["page_obj"]] == [ours.pk]
    page = response.content.decode()
    assert cast.resident.masked_phone in page and cast.resident.phone not in page
    assert cast.other_resident.name not in page


@pytest.mark.parametrize("role", ["member", "family", "resident_user"])
def test_failed_reminders_page_is_forbidden_to_non_staff(client, cast, role):
    user = cast.resident.user if role == "resident_user" else getattr(cast, role)
    client.force_login(user)
    assert client.get(reverse("notifications:failed_reminders")).status_code == 403


def test_retry_gives_a_failed_reminder_new_attempts(client, cast, sms_log):
    reminder = failed_reminder(cast)
    other = failed_reminder(cast)
    client.force_login(cast.community_staff)
    response = client.post(reverse("notifications:reminder_retry", args=[reminder.pk]))
    reminder.refresh_from_db()
    other.refresh_from_db()
    assert response.status_code == 302
    assert _messages(response) == ["提醒已重新排入发送队列。"]
    assert (reminder.status, reminder.attempts) == (Reminder.Status.PENDING, 0)
    assert reminder.next_attempt_at is None
    assert (other.status, other.attempts) == (Reminder.Status.FAILED, 5)


def test_retry_of_another_streets_reminder_is_404(client, cast):
    theirs = failed_reminder(cast, resident=cast.other_resident)
    client.force_login(cast.street_staff)
    response = client.post(reverse("notifications:reminder_retry", args=[theirs.pk]))
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert (theirs.status, theirs.attempts) == (Reminder.Status.FAILED, 5)


@pytest.mark.parametrize("role", ["member", "family"])
def test_retry_by_non_staff_changes_nothing(client, cast, role):
    reminder = failed_reminder(cast)
    client.force_login(getattr(cast, role))
    response = client.post(reverse("notifications:reminder_retry", args=[reminder.pk]))
    assert response.status_code == 404
    reminder.refresh_from_db()
    assert (reminder.status, reminder.attempts) == (Reminder.Status.FAILED, 5)


def test_policy_page_saves_offsets_for_civil_affairs(client, cast, sms_log):
    client.force_login(cast.civil)
    response = client.post(reverse("notifications:reminder_policy"), {"offsets": "720, 30"})
    assert response.status_code == 302
    assert _messages(response) == ["提醒设置已保存。"]
    policy = ReminderPolicy.objects.get(pk=1)
    assert (policy.offsets, policy.updated_by) == ("720,30", cast.civil)
    care = care_visit(cast, start=later(30, now=NOON))
    reminders_plan_for_visit(visit=care.visit, now=NOON)
    assert set(Reminder.objects.values_list("offset_minutes", flat=True)) == {720, 30}


def test_policy_page_rejects_bad_input_next_to_the_field(client, cast):
    client.force_login(cast.civil)
    response = client.post(reverse("notifications:reminder_policy"), {"offsets": "abc"})
    assert response.status_code == 200
    assert "请输入以逗号分隔的分钟数" in response.content.decode()
    assert not ReminderPolicy.objects.exists()


def test_policy_page_is_forbidden_to_street_staff(client, cast):
    client.force_login(cast.street_staff)
    response = client.post(reverse("notifications:reminder_policy"), {"offsets": "30"})
    assert response.status_code == 403
    assert not ReminderPolicy.objects.exists()


@pytest.mark.django_db
def test_navbar_shows_unread_count_of_own_notifications_only(client):

    me = f.UserFactory(username="me-badge")
    other = f.UserFactory(username="other-badge")
    Notification.objects.create(user=me, title="提醒", body="明天上门")
    Notification.objects.create(user=me, title="提醒2", body="明天上门")
    Notification.objects.create(user=other, title="别人的", body="x")
    client.force_login(me)
    page = client.get("/").content.decode()
    assert 'data-testid="notifications-link"' in page
    assert '<span class="badge rounded-pill text-bg-danger ms-1">2<' in page
