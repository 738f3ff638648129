"""In-app reminders of case reviews and reassessments falling due, each sent once.

The `dedupe_key` of services' Notification is unique, so a rerun (beat runs this daily,
and a worker may die half-way) adds nothing already sent.
"""

import datetime

from django.conf import settings
from django.db.models import OuterRef, Prefetch, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from casework.models import Assessment, Review
from casework.queries import reassessment_cutoff, with_assessment_state
from communities.models import Resident
from sanlian import stored_text
from services.models import Visit
from services.notifications.models import Notification, notification_texts
from socialworkers.models import SocialWorker

REVIEW_NOTICE_DAYS = 7


def _review_notices(today: datetime.date) -> list[Notification]:
    reviews = (
        Review.objects.filter(
            done_at__isnull=True,
            due_on__lte=today + datetime.timedelta(days=REVIEW_NOTICE_DAYS),
            case__status__in=("open", "active"),
        )
        .select_related("case__resident")
        .prefetch_related("case__social_workers")
    )
    return [
        Notification(
            user_id=worker.user_id,
            **notification_texts(
                title=stored_text.text(gettext_noop("个案检视将到期")),
                body=stored_text.text(
                    gettext_noop("%(name)s 的个案检视应于 %(due)s 完成。"),
                    name=review.case.resident.name,
                    due=review.due_on,
                ),
            ),
            link=reverse("casework:case", args=[review.case_id]),
            dedupe_key=f"casework:review:{review.pk}:{worker.user_id}",
        )
        for review in reviews
        for worker in review.case.social_workers.all()
        if worker.user_id
    ]


def _reassessment_notices(today: datetime.date) -> list[Notification]:
    newest = Assessment.objects.filter(
        resident=OuterRef("resident"), status=Assessment.Status.SIGNED
    ).order_by("-effective_at")
    due = Assessment.objects.filter(
        status=Assessment.Status.SIGNED,
        effective_at__date__lt=reassessment_cutoff(today),
        pk=Subquery(newest.values("pk")[:1]),
    ).select_related("resident")
    return [
        Notification(
            user_id=assessment.signed_by_id,
            **notification_texts(
                title=stored_text.text(gettext_noop("能力评估需复评")),
                body=stored_text.text(
                    gettext_noop("%(name)s 的能力评估已满%(months)d个月，请安排复评。"),
                    name=assessment.resident.name,
                    months=settings.ASSESSMENT_VALID_MONTHS,
                ),
            ),
            link=reverse("casework:resident", args=[assessment.resident_id]),
            dedupe_key=f"casework:reassess:{assessment.pk}",
        )
        for assessment in due
    ]


def _change_notices() -> list[Notification]:
    """A visit log flagged a change of condition since the latest assessment: the social
    workers serving the resident's community are told once per flagging visit."""
    residents = (
        with_assessment_state(
            Resident.objects.filter(
                anonymised_at__isnull=True,
                pk__in=Visit.objects.filter(condition_changed_at__isnull=False).values(
                    "request__resident"
                ),
            )
        )
        .filter(changed_visit__isnull=False)
        .select_related("community")
        .prefetch_related(
            Prefetch(
                "community__social_workers",
                queryset=SocialWorker.objects.filter(active=True, user__isnull=False),
                to_attr="serving",
            )
        )
    )
    return [
        Notification(
            user_id=worker.user_id,
            title=_("居民状况变化，需复评"),
            body=_("%(name)s 在 %(day)s 的上门服务中被记录状况有变化：%(note)s")
            % {
                "name": resident.name,
                "day": timezone.localdate(resident.changed_at),
                "note": resident.changed_note,
            },
            link=reverse("casework:resident", args=[resident.pk]),
            dedupe_key=f"casework:reassess-change:{resident.changed_visit}:{worker.user_id}",
        )
        for resident in residents
        for worker in resident.community.serving
    ]


def casework_reminders_send(*, today: datetime.date) -> int:
    """Create the reminders not sent yet; returns how many were new."""
    notices = _review_notices(today) + _reassessment_notices(today) + _change_notices()
    sent = set(
        Notification.objects.filter(dedupe_key__in=[n.dedupe_key for n in notices]).values_list(
            "dedupe_key", flat=True
        )
    )
    new = [n for n in notices if n.dedupe_key not in sent]
    # A concurrent run may insert the same key first; the unique key keeps it once.
    Notification.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)
