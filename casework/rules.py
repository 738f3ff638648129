"""Who may do what to which assessment, case or callback: `may_<action>(user, obj)`.

The domain refuses through these, pages show buttons from them and the API reads them.
A social worker acts only for residents of the communities they serve; progress notes
are read only by the case's own social workers and those who supervise them.
"""

from casework.models import Assessment, Callback, Case, Supervision
from casework.queries import assessments_visible_to, cases_visible_to, residents_assessable_by
from sanlian.roles import CASE_WORKERS


def may_assess(user, resident) -> bool:
    return residents_assessable_by(user).filter(pk=resident.pk).exists()


def may_view_assessment(user, assessment: Assessment) -> bool:
    return assessments_visible_to(user).filter(pk=assessment.pk).exists()


def may_edit_assessment(user, assessment: Assessment) -> bool:
    return (
        assessment.status == Assessment.Status.DRAFT
        and assessment.assessor_id == user.pk
        and may_assess(user, assessment.resident)
    )


def may_sign_assessment(user, assessment: Assessment) -> bool:
    return may_edit_assessment(user, assessment)


def may_second_sign(user, assessment: Assessment) -> bool:
    """A second assessor, never the first, confirms a change of two levels or more."""
    return (
        assessment.status == Assessment.Status.AWAITING_SECOND
        and user.pk not in (assessment.assessor_id, assessment.signed_by_id)
        and may_assess(user, assessment.resident)
    )


def is_case_worker(user, case: Case) -> bool:
    return user.is_authenticated and case.social_workers.filter(user=user).exists()


def is_case_supervisor(user, case: Case) -> bool:
    return (
        user.is_authenticated
        and Supervision.objects.filter(
            supervisor__user=user,
            supervisor__active=True,
            social_worker__in=case.social_workers.all(),
        ).exists()
    )


def may_open_case(user, resident) -> bool:
    return may_assess(user, resident)


def may_view_case(user, case: Case) -> bool:
    return cases_visible_to(user).filter(pk=case.pk).exists()


def may_read_notes(user, case: Case) -> bool:
    return (
        user.is_authenticated
        and user.role in CASE_WORKERS
        and (is_case_worker(user, case) or is_case_supervisor(user, case))
    )


def may_work_on_case(user, case: Case) -> bool:
    """Write notes, set the plan, add planned services, complete reviews, close."""
    return (
        case.status != Case.Status.CLOSED
        and user.is_authenticated
        and user.role in CASE_WORKERS
        and is_case_worker(user, case)
    )


def may_transfer_case(user, case: Case) -> bool:
    return case.status != Case.Status.CLOSED and (
        may_work_on_case(user, case) or is_case_supervisor(user, case)
    )


def may_record_callback(user, callback: Callback) -> bool:
    return (
        callback.status == Callback.Status.PENDING
        and user.is_authenticated
        and callback.social_worker.user_id == user.pk
    )


def may_follow_up_callback(user, callback: Callback) -> bool:
    """The social worker who found the visit did not happen as logged, while they still serve
    the resident's community, may open a case and reverse the visit's charge."""
    return (
        callback.status == Callback.Status.DONE
        and callback.happened_as_logged is False
        and user.is_authenticated
        and callback.social_worker.user_id == user.pk
        and may_assess(user, callback.visit.request.resident)
    )


def callback_vouches_reversal(user, visit_id: int) -> bool:
    """Registered with services.allowances.hooks: the ledger lets this user reverse the
    visit's charges (through its own reverse function and checks)."""
    callback = (
        Callback.objects.filter(visit_id=visit_id)
        .select_related("social_worker", "visit__request__resident")
        .first()
    )
    return callback is not None and may_follow_up_callback(user, callback)
