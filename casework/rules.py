"""Who may do what to which assessment, case or callback.

Each action's rule is written once, as `<action>_refusal(user, obj)` (sanlian/refusals.py):
None when the user may act, else the exception the domain raises — PermissionDenied with
the reason for the wrong person or community, ValidationError with the message for the
object's state. `may_<action>` is "nothing refuses it": pages show buttons from it, the
API answers with the domain's refusal, so the user is told why an action was refused.

A social worker acts only for residents of the communities they serve; progress notes
are read only by the case's own social workers and those who supervise them.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _

from casework.models import Assessment, Callback, Case, Supervision
from casework.queries import assessments_visible_to, cases_visible_to, residents_assessable_by
from sanlian.refusals import Refusal
from sanlian.roles import CASE_WORKERS


def _is_case_worker_role(user) -> bool:
    return user.is_authenticated and user.role in CASE_WORKERS


# --- Assessments -------------------------------------------------------------------------


def assess_refusal(user, resident) -> Refusal | None:
    if not _is_case_worker_role(user):
        return PermissionDenied(_("只有社工可以做能力评估和接案。"))
    if not residents_assessable_by(user).filter(pk=resident.pk).exists():
        return PermissionDenied(_("该居民不在您服务的社区。"))
    return None


def may_assess(user, resident) -> bool:
    return assess_refusal(user, resident) is None


def may_view_assessment(user, assessment: Assessment) -> bool:
    return assessments_visible_to(user).filter(pk=assessment.pk).exists()


def edit_assessment_refusal(user, assessment: Assessment) -> Refusal | None:
    """Only the assessor edits (and signs) their draft; a partial save resumes it."""
    if refusal := assess_refusal(user, assessment.resident):
        return refusal
    if assessment.assessor_id != user.pk:
        return PermissionDenied(_("只有这份评估的评估员可以填写和签字。"))
    if assessment.status != Assessment.Status.DRAFT:
        return ValidationError(_("这份评估已经签字，不能再修改；如情况有变，请重新评估。"))
    return None


def may_edit_assessment(user, assessment: Assessment) -> bool:
    return edit_assessment_refusal(user, assessment) is None


def sign_assessment_refusal(user, assessment: Assessment) -> Refusal | None:
    return edit_assessment_refusal(user, assessment)


def may_sign_assessment(user, assessment: Assessment) -> bool:
    return sign_assessment_refusal(user, assessment) is None


def second_sign_refusal(user, assessment: Assessment) -> Refusal | None:
    """A second assessor, never the first, confirms a change of two levels or more."""
    if refusal := assess_refusal(user, assessment.resident):
        return refusal
    if user.pk in (assessment.assessor_id, assessment.signed_by_id):
        return PermissionDenied(_("复核须由另一位评估员签字，不能复核自己的评估。"))
    if assessment.status != Assessment.Status.AWAITING_SECOND:
        return ValidationError(_("这份评估不在待复核状态，无需复核签字。"))
    return None


def may_second_sign(user, assessment: Assessment) -> bool:
    return second_sign_refusal(user, assessment) is None


# --- Cases -------------------------------------------------------------------------------


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


def open_case_refusal(user, resident) -> Refusal | None:
    return assess_refusal(user, resident)


def may_open_case(user, resident) -> bool:
    return open_case_refusal(user, resident) is None


def may_view_case(user, case: Case) -> bool:
    return cases_visible_to(user).filter(pk=case.pk).exists()


def read_notes_refusal(user, case: Case) -> Refusal | None:
    on_case = is_case_worker(user, case) or is_case_supervisor(user, case)
    if _is_case_worker_role(user) and on_case:
        return None
    return PermissionDenied(_("服务记录只有负责该个案的社工及其督导可以查看。"))


def may_read_notes(user, case: Case) -> bool:
    return read_notes_refusal(user, case) is None


def _closed(case: Case) -> ValidationError | None:
    if case.status == Case.Status.CLOSED:
        return ValidationError(_("这个个案已经结案，不能再修改。"))
    return None


def work_on_case_refusal(user, case: Case) -> Refusal | None:
    """Write notes, set the plan, add planned services, complete reviews, close."""
    if not (_is_case_worker_role(user) and is_case_worker(user, case)):
        return PermissionDenied(_("只有负责该个案的社工可以处理个案。"))
    return _closed(case)


def may_work_on_case(user, case: Case) -> bool:
    return work_on_case_refusal(user, case) is None


def complete_review_refusal(user, review) -> Refusal | None:
    if refusal := work_on_case_refusal(user, review.case):
        return refusal
    if review.done_at is not None:
        return ValidationError(_("这次个案检视已经完成。"))
    return None


def transfer_case_refusal(user, case: Case) -> Refusal | None:
    """The case's own social worker, or their supervisor, hands the case on."""
    own = _is_case_worker_role(user) and is_case_worker(user, case)
    if not (own or is_case_supervisor(user, case)):
        return PermissionDenied(_("只有负责该个案的社工或其督导可以转介个案。"))
    return _closed(case)


def may_transfer_case(user, case: Case) -> bool:
    return transfer_case_refusal(user, case) is None


# --- Quality callbacks -------------------------------------------------------------------


def _callback_caller_refusal(user, callback: Callback) -> PermissionDenied | None:
    if user.is_authenticated and callback.social_worker.user_id == user.pk:
        return None
    return PermissionDenied(_("只有被安排回访的社工可以记录这次回访。"))


def record_callback_refusal(user, callback: Callback) -> Refusal | None:
    if refusal := _callback_caller_refusal(user, callback):
        return refusal
    if callback.status != Callback.Status.PENDING:
        return ValidationError(_("这次回访已经记录过了。"))
    return None


def may_record_callback(user, callback: Callback) -> bool:
    return record_callback_refusal(user, callback) is None


def follow_up_callback_refusal(user, callback: Callback) -> Refusal | None:
    """The social worker who found the visit did not happen as logged, while they still serve
    the resident's community, may open a case and reverse the visit's charge."""
    if refusal := _callback_caller_refusal(user, callback):
        return refusal
    if refusal := assess_refusal(user, callback.visit.request.resident):
        return refusal
    if callback.status != Callback.Status.DONE or callback.happened_as_logged is not False:
        return ValidationError(_("只有核实服务未按记录发生的回访才需要后续处理。"))
    return None


def may_follow_up_callback(user, callback: Callback) -> bool:
    return follow_up_callback_refusal(user, callback) is None


def callback_vouches_reversal(user, visit_id: int) -> bool:
    """Registered with services.allowances.hooks: the ledger lets this user reverse the
    visit's charges (through its own reverse function and checks)."""
    callback = (
        Callback.objects.filter(visit_id=visit_id)
        .select_related("social_worker", "visit__request__resident")
        .first()
    )
    return callback is not None and may_follow_up_callback(user, callback)
