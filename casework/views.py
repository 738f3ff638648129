"""Pages of social work: assessments (phone-sized), due lists, caseloads, notes, callbacks.

Each view scopes its object through casework.queries, calls one domain function and
shows buttons from casework.rules.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from casework import domain, forms, rules
from casework.models import Review
from casework.queries import (
    assessments_due,
    assessments_visible_to,
    callbacks_visible_to,
    caseload,
    cases_visible_to,
    reassessment_due_on,
    residents_assessable_by,
    social_worker_of,
)
from communities.queries import communities_visible_to, residents_visible_to
from sanlian.roles import CASE_OVERSEERS, CASE_READERS, CASE_WORKERS, ORGANIZATION_STAFF
from sanlian.view_helpers import apply_domain_error, paginate, posted, role_required


def _told_why(request, refusal) -> bool:
    """A refusal of the person is a 403 (with its reason); one of the object's state is shown
    as a message, and the caller goes back to the page. False when nothing refuses."""
    if isinstance(refusal, PermissionDenied):
        raise refusal
    if refusal is not None:
        messages.error(request, "；".join(refusal.messages))
    return refusal is not None


def _resident_in_scope(request, pk):
    if request.user.role in CASE_WORKERS:
        return get_object_or_404(residents_assessable_by(request.user), pk=pk)
    return get_object_or_404(residents_visible_to(request.user), pk=pk)


# --- Assessments -------------------------------------------------------------------------


@role_required(*CASE_READERS)
def assessment_due(request: HttpRequest) -> HttpResponse:
    community_id = request.GET.get("community") or None
    today = timezone.localdate()
    residents = assessments_due(
        request.user, today=today, community_id=int(community_id) if community_id else None
    )
    page = paginate(request, residents)
    for resident in page:
        resident.due_on = reassessment_due_on(resident.last_assessed, resident.changed_at)
        resident.overdue = resident.due_on is None or resident.due_on < today
    context = {"page_obj": page, "communities": communities_visible_to(request.user)}
    return render(request, "casework/assessment_due.html", context)


@role_required(*CASE_READERS)
def resident_assessments(request: HttpRequest, pk: int) -> HttpResponse:
    resident = _resident_in_scope(request, pk)
    assessments = assessments_visible_to(request.user).filter(resident=resident)
    context = {
        "resident": resident,
        "assessments": assessments,
        "may_assess": rules.may_assess(request.user, resident),
        "may_open_case": rules.may_open_case(request.user, resident),
    }
    return render(request, "casework/resident_assessments.html", context)


@require_POST
@role_required(*CASE_WORKERS)
def assessment_start(request: HttpRequest, pk: int) -> HttpResponse:
    resident = _resident_in_scope(request, pk)
    try:
        assessment = domain.assessment_start(resident=resident, assessor=request.user)
    except ValidationError as error:
        messages.error(request, "；".join(error.messages))
        return redirect("casework:resident", resident.pk)
    return redirect("casework:assessment", assessment.pk)


@role_required(*CASE_READERS)
def assessment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = get_object_or_404(assessments_visible_to(request.user), pk=pk)
    refusal = rules.edit_assessment_refusal(request.user, assessment)
    editable = refusal is None
    if request.method == "POST" and _told_why(request, refusal):
        return redirect("casework:assessment", assessment.pk)
    form = forms.AssessmentForm(posted(request) if editable else None, assessment=assessment)
    if editable and request.method == "POST" and form.is_valid():
        try:
            _save_and_maybe_sign(request, assessment, form)
            return redirect("casework:assessment", assessment.pk)
        except ValidationError as error:
            apply_domain_error(form, error)
    context = {
        "assessment": assessment,
        "form": form,
        "editable": editable,
        "may_second_sign": rules.may_second_sign(request.user, assessment),
    }
    return render(request, "casework/assessment.html", context)


def _save_and_maybe_sign(request, assessment, form) -> None:
    domain.assessment_save(
        assessment=assessment,
        actor=request.user,
        answers=form.answers(),
        adjustments=form.cleaned_data["adjustments"],
    )
    if "sign" in request.POST:
        signed = domain.assessment_sign(assessment=assessment, actor=request.user)
        messages.success(request, _("已签字：%(level)s") % {"level": signed.level_name})
    else:
        messages.success(request, _("已保存。"))


@require_POST
@role_required(*CASE_WORKERS)
def assessment_second_sign(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = get_object_or_404(assessments_visible_to(request.user), pk=pk)
    if not _told_why(request, rules.second_sign_refusal(request.user, assessment)):
        domain.assessment_second_sign(assessment=assessment, actor=request.user)
        messages.success(request, _("已复核签字，照护等级已更新。"))
    return redirect("casework:assessment", assessment.pk)


# --- Cases -------------------------------------------------------------------------------


@role_required(*CASE_READERS)
def case_list(request: HttpRequest) -> HttpResponse:
    worker = social_worker_of(request.user)
    supervisees = worker.supervisees.select_related("social_worker") if worker else []
    chosen = _supervisee(supervisees, request.GET.get("worker", ""))
    cases = caseload(request.user, social_worker=chosen or worker)
    context = {
        "page_obj": paginate(request, cases),
        "supervisees": supervisees,
        "chosen": chosen,
        "today": timezone.localdate(),
    }
    return render(request, "casework/case_list.html", context)


def _supervisee(supervisees, worker_id: str):
    for supervision in supervisees:
        if str(supervision.social_worker_id) == worker_id:
            return supervision.social_worker
    return None


@role_required(*CASE_WORKERS)
def case_open(request: HttpRequest, pk: int) -> HttpResponse:
    resident = _resident_in_scope(request, pk)
    form = forms.CaseOpenForm(posted(request))
    if form.is_valid():
        try:
            case = domain.case_open(resident=resident, actor=request.user, **form.cleaned_data)
            return redirect("casework:case", case.pk)
        except ValidationError as error:
            apply_domain_error(form, error)
    context = {"form": form, "title": _("接案：%(name)s") % {"name": resident.name}}
    return render(request, "casework/form.html", context)


@role_required(*CASE_READERS)
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = get_object_or_404(cases_visible_to(request.user), pk=pk)
    context = {
        "case": case,
        "workers": case.social_workers.all(),
        "planned": case.planned_services.select_related("service_type", "request"),
        "reviews": case.reviews.all(),
        "may_work": rules.may_work_on_case(request.user, case),
        "may_read_notes": rules.may_read_notes(request.user, case),
        "may_transfer": rules.may_transfer_case(request.user, case),
        "plan_form": forms.CasePlanForm(initial={"goals": case.goals}),
        "service_form": forms.PlannedServiceForm(),
        "review_form": forms.ReviewForm(),
        "transfer_form": forms.TransferForm(case=case),
        "close_form": forms.CloseForm(),
    }
    return render(request, "casework/case_detail.html", context)


def _case_action(request, pk, form_class, call, form_kwargs=None):
    case = get_object_or_404(cases_visible_to(request.user), pk=pk)
    form = form_class(request.POST, **(form_kwargs(case) if form_kwargs else {}))
    if form.is_valid():
        try:
            call(case, form.cleaned_data)
            messages.success(request, _("已保存。"))
            return redirect("casework:case", case.pk)
        except ValidationError as error:
            apply_domain_error(form, error)
    return render(request, "casework/form.html", {"form": form, "title": str(case)})


@require_POST
@role_required(*CASE_WORKERS)
def case_plan(request: HttpRequest, pk: int) -> HttpResponse:
    return _case_action(
        request,
        pk,
        forms.CasePlanForm,
        lambda case, data: domain.case_plan_set(case=case, actor=request.user, **data),
    )


@require_POST
@role_required(*CASE_WORKERS)
def case_service_add(request: HttpRequest, pk: int) -> HttpResponse:
    return _case_action(
        request,
        pk,
        forms.PlannedServiceForm,
        lambda case, data: domain.planned_service_add(case=case, actor=request.user, **data),
    )


@require_POST
@role_required(*CASE_WORKERS)
def case_review(request: HttpRequest, pk: int) -> HttpResponse:
    review = get_object_or_404(
        Review.objects.filter(case__in=cases_visible_to(request.user)), pk=pk
    )

    def call(case, data):
        domain.review_complete(review=review, actor=request.user, **data)

    return _case_action(request, review.case_id, forms.ReviewForm, call)


@require_POST
@role_required(*CASE_WORKERS)
def case_transfer(request: HttpRequest, pk: int) -> HttpResponse:
    return _case_action(
        request,
        pk,
        forms.TransferForm,
        lambda case, data: domain.case_transfer(case=case, actor=request.user, **data),
        form_kwargs=lambda case: {"case": case},
    )


@require_POST
@role_required(*CASE_WORKERS)
def case_close(request: HttpRequest, pk: int) -> HttpResponse:
    return _case_action(
        request,
        pk,
        forms.CloseForm,
        lambda case, data: domain.case_close(case=case, actor=request.user, **data),
    )


@role_required(*CASE_WORKERS)
def case_notes(request: HttpRequest, pk: int) -> HttpResponse:
    """Every opening of this page is one access-log row (domain.case_notes_read)."""
    case = get_object_or_404(cases_visible_to(request.user), pk=pk)
    form = forms.NoteForm(posted(request))
    if request.method == "POST" and _told_why(
        request, rules.work_on_case_refusal(request.user, case)
    ):
        return redirect("casework:case_notes", case.pk)
    if form.is_valid():
        domain.case_note_add(case=case, actor=request.user, text=form.cleaned_data["text"])
        return redirect("casework:case_notes", case.pk)
    notes = domain.case_notes_read(case=case, actor=request.user)
    context = {
        "case": case,
        "notes": notes,
        "form": form,
        "may_write": rules.may_work_on_case(request.user, case),
    }
    return render(request, "casework/case_notes.html", context)


# --- Callbacks ---------------------------------------------------------------------------


@role_required(*CASE_WORKERS)
def callback_list(request: HttpRequest) -> HttpResponse:
    mine = callbacks_visible_to(request.user)
    context = {
        "page_obj": paginate(request, mine.filter(status="pending")),
        # Found not as logged and not yet followed up by a case: the worker may still act.
        "failed": mine.filter(status="done", happened_as_logged=False, case__isnull=True)[:20],
    }
    return render(request, "casework/callback_list.html", context)


@role_required(*CASE_WORKERS)
def callback_record(request: HttpRequest, pk: int) -> HttpResponse:
    callback = get_object_or_404(callbacks_visible_to(request.user), pk=pk)
    form = forms.CallbackForm(posted(request))
    if form.is_valid():
        try:
            done = domain.callback_record(
                callback=callback, actor=request.user, **form.cleaned_data
            )
            messages.success(
                request, _("已记录回访：%(status)s") % {"status": done.get_status_display()}
            )
            if done.happened_as_logged is False:
                return redirect("casework:callback_follow_up", done.pk)
            return redirect("casework:callbacks")
        except ValidationError as error:
            apply_domain_error(form, error)
    context = {"form": form, "title": str(callback.visit), "callback": callback}
    return render(request, "casework/form.html", context)


@role_required(*(CASE_OVERSEERS | ORGANIZATION_STAFF))
def callback_results(request: HttpRequest) -> HttpResponse:
    callbacks = callbacks_visible_to(request.user).exclude(status="pending")
    return render(
        request, "casework/callback_results.html", {"page_obj": paginate(request, callbacks)}
    )


@role_required(*CASE_WORKERS)
def callback_follow_up(request: HttpRequest, pk: int) -> HttpResponse:
    """Open a case and/or reverse the visit's charge after a callback found it not as logged."""
    callback = get_object_or_404(callbacks_visible_to(request.user), pk=pk)
    if _told_why(request, rules.follow_up_callback_refusal(request.user, callback)):
        return redirect("casework:callbacks")
    form = forms.CallbackFollowUpForm(posted(request))
    if form.is_valid():
        try:
            case, corrections = domain.callback_follow_up(
                callback=callback, actor=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            apply_domain_error(form, error)
        else:
            messages.success(request, _("已处理：%(n)d条扣款已更正。") % {"n": len(corrections)})
            return redirect("casework:case", case.pk) if case else redirect("casework:callbacks")
    context = {"form": form, "callback": callback, "charges": callback.visit.ledger_entries.all()}
    return render(request, "casework/callback_follow_up.html", context)
