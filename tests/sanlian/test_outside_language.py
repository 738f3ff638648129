"""SMS and e-mail go out in their recipient's language: the one they last picked with the
switcher, Simplified Chinese until then and for a resident reached by phone only."""

import datetime
import time

from django.core import mail
from django.utils import timezone, translation

from activities.domain.reminders import _message as activity_reminder_message
from activities.domain.reminders import _text as activity_reminder_text
from activities.models import ActivityReminder, Signup
from organizations.emails import organization_send_review_email
from sanlian import stored_text
from services.models import Reminder
from services.notifications.channels import sms_fit
from services.notifications.outgoing import outgoing_facts, reminders_outgoing
from services.notifications.reminders import reminders_send_due
from tests import factories as f
from tests.factories.activities import ActivityFactory
from tests.services._reminders_support import care_visit, later, sms_log, texts_of  # noqa: F401


def reminder_text(reminder) -> str:
    return texts_of([reminder])[0]


def _switch(client, language):
    return client.post("/i18n/setlang/", {"language": language, "next": "/"})


def test_the_switcher_keeps_the_choice_on_the_account(client, cast):
    assert cast.member.language == "zh-hans"  # until they choose
    client.force_login(cast.member)
    response = _switch(client, "en")
    assert response.status_code == 302 and response.cookies["django_language"].value == "en"
    cast.member.refresh_from_db()
    assert cast.member.language == "en"
    _switch(client, "zh-hans")
    cast.member.refresh_from_db()
    assert cast.member.language == "zh-hans"


def test_the_switcher_ignores_an_unknown_language_and_works_signed_out(client, cast):
    client.force_login(cast.member)
    _switch(client, "fr")
    cast.member.refresh_from_db()
    assert cast.member.language == "zh-hans"
    client.logout()
    assert _switch(client, "en").cookies["django_language"].value == "en"


def _reminder(visit, user, channel=Reminder.Channel.SMS):
    return f.ReminderFactory(
        visit=visit,
        recipient_user=user,
        recipient_key=f"user:{user.pk}",
        channel=channel,
        due_at=timezone.now() - datetime.timedelta(minutes=1),
    )


def test_visit_reminder_sms_is_in_each_recipients_language(cast):
    care = care_visit(cast, start=later(2))
    care.worker.language = "en"
    care.worker.save()
    english = reminder_text(_reminder(care.visit, care.worker))
    chinese = reminder_text(_reminder(care.visit, care.volunteer))
    assert english.startswith("[Sanlian] Reminder:") and "提醒" not in english
    assert chinese.startswith("【三社联动】提醒：")
    # A resident reached on their phone, with no account to choose on: the portal's language.
    by_phone = f.ReminderFactory(visit=care.visit, recipient_user=None)
    assert reminder_text(by_phone).startswith("【三社联动】提醒：")


def test_visit_reminder_texts_of_a_batch_are_each_in_their_recipients_language(cast):
    """A batch is written a language at a time (outgoing_texts); each text is still the one
    written for its reminder alone, in its recipient's language, in the batch's order, and
    the sentence its stored facts (an in-app notification's) read as in that language."""
    care = care_visit(cast, start=later(2))
    other = care_visit(cast, start=later(5))
    care.worker.language = "en"
    care.worker.save()
    batch = [
        _reminder(care.visit, care.worker),
        _reminder(care.visit, care.volunteer),
        f.ReminderFactory(visit=other.visit, recipient_user=None),
        _reminder(other.visit, care.worker),
    ]
    texts = texts_of(batch)
    assert texts == [reminder_text(reminder) for reminder in batch]
    assert [text.startswith("[Sanlian]") for text in texts] == [True, False, False, True]
    assert texts[0] != texts[3]  # two visits, two times
    rows = {row.pk: row for row in reminders_outgoing(Reminder.objects.all())}
    languages = ["en", "zh-hans", "zh-hans", "en"]
    from_facts = [
        sms_fit(stored_text.in_language(outgoing_facts(rows[reminder.pk]), language))
        for reminder, language in zip(batch, languages, strict=True)
    ]
    assert texts == from_facts


def test_visit_reminder_email_subject_and_body_are_in_the_recipients_language(cast, sms_log):  # noqa: F811
    care = care_visit(cast, start=later(2))
    care.worker.language = "en"
    care.worker.save()
    _reminder(care.visit, care.worker, channel=Reminder.Channel.EMAIL)
    reminders_send_due(batch_size=10, deadline=time.monotonic() + 10, channel="email")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["sw@example.org"]
    assert message.subject == "Visit reminder"
    assert message.body.startswith("[Sanlian] Reminder:") and "提醒" not in message.body


def test_activity_reminder_sms_is_in_the_recipients_language(cast):
    activity = ActivityFactory(starts_at=timezone.now() + datetime.timedelta(days=1))
    signup = Signup(activity=activity, resident=cast.resident)
    cast.family.language = "en"
    cast.family.save()
    english = activity_reminder_text(ActivityReminder(signup=signup, recipient_user=cast.family))
    chinese = activity_reminder_text(ActivityReminder(signup=signup, recipient_user=None))
    assert "报名" not in english and activity.title in english
    assert chinese.startswith("【三社联动】提醒：") and "报名" in chinese


def test_review_email_is_in_the_language_of_the_organizations_account(cast):
    cast.member.language = "en"
    cast.member.save()
    organization_send_review_email(organization=cast.organization, kind="approved")
    organization_send_review_email(organization=cast.other_organization, kind="approved")
    english, chinese = mail.outbox
    assert "审核" not in english.subject and "/accounts/login/" in english.body
    assert chinese.subject == "您的组织登记已通过审核"


def test_activity_reminder_in_the_portal_is_read_in_the_readers_language(cast):
    activity = ActivityFactory(starts_at=timezone.now() + datetime.timedelta(days=1))
    reminder = ActivityReminder(
        signup=Signup(activity=activity, resident=cast.resident),
        recipient_user=cast.family,
        channel=Reminder.Channel.IN_APP,
    )
    with translation.override("en"):  # the sending process's language does not matter
        notification = activity_reminder_message(reminder)
    assert notification.title == f"活动提醒：{activity.title}"
    with translation.override("en"):
        assert notification.shown_title == f"Activity reminder: {activity.title}"
        assert notification.shown_body.startswith("[Sanlian] Reminder:")
    assert notification.shown_body.startswith("【三社联动】提醒：")
