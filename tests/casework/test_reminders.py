import datetime

from django.utils import timezone

from casework import domain
from casework.models import Assessment, Review
from casework.reminders import casework_reminders_send
from services.notifications.models import Notification
from tests.casework.conftest import answers_for_total


def test_reminders_for_due_review_and_reassessment_sent_once(cast, sw, spec):
    case = domain.case_open(
        resident=cast.resident, actor=sw.sue.user, source="referral", presenting_need="x"
    )
    today = timezone.localdate()
    Review.objects.filter(case=case).update(due_on=today + datetime.timedelta(days=3))
    assessment = domain.assessment_start(resident=cast.resident, assessor=sw.ann.user)
    domain.assessment_save(
        assessment=assessment,
        actor=sw.ann.user,
        answers=answers_for_total(spec, 90),
        adjustments=[],
    )
    domain.assessment_sign(assessment=assessment, actor=sw.ann.user)
    assert casework_reminders_send(today=today) == 1  # the review; the assessment is fresh

    Assessment.objects.filter(pk=assessment.pk).update(
        effective_at=timezone.now() - datetime.timedelta(days=360)
    )
    assert casework_reminders_send(today=today) == 1  # the reassessment only
    assert casework_reminders_send(today=today) == 0

    review_notice = Notification.objects.get(user=sw.sue.user)
    assert review_notice.link.endswith(f"/casework/cases/{case.pk}/")
    reassess = Notification.objects.get(user=sw.ann.user)
    assert cast.resident.name in reassess.body
    assert Notification.objects.count() == 2
