import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from casework import domain
from casework.models import Case, ProgressNote, Review
from sanlian.models import AccessLog, AuditEntry
from services.models import ServiceRequest
from tests import factories as f

SECRET = "老人与儿子争执，情绪低落"


@pytest.fixture
def case(cast, sw):
    case = domain.case_open(
        resident=cast.resident,
        actor=sw.sue.user,
        source=Case.Source.REFERRAL,
        presenting_need="独居，近期跌倒",
    )
    domain.case_note_add(case=case, actor=sw.sue.user, text=SECRET)
    return case


def test_case_open_assigns_worker_and_schedules_review(case, sw):
    assert list(case.social_workers.all()) == [sw.sue]
    review = Review.objects.get(case=case)
    assert review.due_on == timezone.localdate() + datetime.timedelta(days=90)


def test_case_open_refused_for_other_community_worker(cast, sw):
    with pytest.raises(PermissionDenied):
        domain.case_open(
            resident=cast.resident,
            actor=sw.sam.user,
            source=Case.Source.REFERRAL,
            presenting_need="x",
        )
    assert Case.objects.count() == 0


@pytest.mark.parametrize("who", ["sue", "vera"])
def test_case_notes_read_by_worker_and_supervisor_is_logged(case, cast, sw, who):
    user = getattr(sw, who).user
    notes = domain.case_notes_read(case=case, actor=user)
    assert [n.text for n in notes] == [SECRET]
    log = AccessLog.objects.get(actor=user)
    assert (log.resident, log.kind, log.field) == (cast.resident, "view", "case_notes")


@pytest.mark.parametrize("who", ["ann", "sam", "community_staff", "civil", "member"])
def test_case_notes_refused_to_everyone_else_and_not_logged(case, cast, sw, who):
    user = getattr(sw, who).user if who in ("ann", "sam") else getattr(cast, who)
    with pytest.raises(PermissionDenied):
        domain.case_notes_read(case=case, actor=user)
    assert not AccessLog.objects.filter(actor=user).exists()


def test_case_note_text_never_in_history(case):
    assert ProgressNote.objects.count() == 1
    for entry in AuditEntry.objects.all():
        assert SECRET not in f"{entry.changes} {entry.reason} {entry.object_repr}"


def test_care_plan_creates_open_service_requests(case, cast, sw):
    domain.case_plan_set(case=case, actor=sw.sue.user, goals="每周两次助餐，防跌倒")
    service_type = f.ServiceTypeFactory(name="助餐")
    planned = domain.planned_service_add(
        case=case,
        actor=sw.sue.user,
        service_type=service_type,
        preferred_days=[0, 2],
        preferred_start=datetime.time(10),
        preferred_end=datetime.time(12),
        goal="吃上热饭",
    )
    request = ServiceRequest.objects.get(resident=cast.resident)
    case.refresh_from_db()
    assert case.status == Case.Status.ACTIVE
    assert planned.request == request and request.status == ServiceRequest.Status.OPEN
    assert request.service_type == service_type and request.filed_by == sw.sue.user


def test_care_plan_refused_to_worker_not_on_case(case, sw):
    with pytest.raises(PermissionDenied):
        domain.case_plan_set(case=case, actor=sw.ann.user, goals="x")
    case.refresh_from_db()
    assert case.goals == "" and case.status == Case.Status.OPEN


def test_review_complete_schedules_the_next_and_overdue_flag(case, sw):
    review = Review.objects.get(case=case)
    review.due_on = timezone.localdate() - datetime.timedelta(days=1)
    review.save()
    assert review.overdue
    domain.review_complete(review=review, actor=sw.sue.user, summary="情况稳定")
    review.refresh_from_db()
    assert review.done_by == sw.sue.user and not review.overdue
    assert case.reviews.filter(done_at__isnull=True).count() == 1


def test_case_transfer_moves_the_case_and_note_access(case, sw):
    with pytest.raises(ValidationError):  # Sam does not serve the resident's community
        domain.case_transfer(case=case, actor=sw.sue.user, to_worker=sw.sam, reason="调岗")
    domain.case_transfer(case=case, actor=sw.sue.user, to_worker=sw.ann, reason="调岗")
    assert list(case.social_workers.all()) == [sw.ann]
    assert domain.case_notes_read(case=case, actor=sw.ann.user)[0].text == SECRET
    with pytest.raises(PermissionDenied):
        domain.case_notes_read(case=case, actor=sw.sue.user)


def test_case_close_records_outcome_and_stops_work(case, sw):
    domain.case_close(case=case, actor=sw.sue.user, outcome=Case.Outcome.GOALS_MET, note="好转")
    case.refresh_from_db()
    assert case.status == Case.Status.CLOSED and case.closed_at and case.outcome == "goals_met"
    assert not case.reviews.filter(done_at__isnull=True).exists()
    with pytest.raises(ValidationError, match="已经结案"):
        domain.case_note_add(case=case, actor=sw.sue.user, text="再记")
    assert ProgressNote.objects.count() == 1
