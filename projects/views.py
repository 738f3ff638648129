"""Pages for calls, applications and review, contracts, milestones and payments.

Every object is fetched through `projects.queries` (outside one's scope: 404); every
action is refused by the domain through `projects.rules` (403), and buttons show from
the same predicates.
"""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from communities.models import District
from communities.queries import communities_visible_to, streets_visible_to
from organizations.models import Category, Organization
from organizations.queries import membership_of, organizations_visible_to
from projects import domain, forms, rules
from projects.models import CategoryTarget, Milestone, PaymentRequest
from projects.progress import contract_progress, progress_chart
from projects.queries import (
    applications_visible_to,
    calls_visible_to,
    contracts_visible_to,
    incubations_visible_to,
)
from sanlian.roles import CITY_STAFF, ORGANIZERS, PROJECT_REVIEWERS, SUPERVISORS
from sanlian.view_helpers import apply_domain_error, paginate, predicate_required, role_required
from socialworkers.models import SocialWorker, VolunteerTeam


def _chart_legend() -> list[str]:
    return [_("目标"), _("已核验"), _("按进度应完成"), _("按当前速度预计")]


def _refused(request: HttpRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


def _state_refused(request: HttpRequest, refusal, to: str, pk: int) -> HttpResponse | None:
    """A person's refusal is a 403; a refusal of state (a closed call, a contract already
    signed) goes back to the object's page with its reason."""
    if refusal is None:
        return None
    if isinstance(refusal, PermissionDenied):
        raise refusal
    _refused(request, refusal)
    return redirect(to, pk=pk)


def _state_reason(refusal) -> str:
    """Why a button is missing, for the one who would otherwise press it."""
    return rules.refusal_text(refusal) if isinstance(refusal, ValidationError) else ""


def _form_refused(request: HttpRequest, form) -> None:
    """A form posted from a list page: each error as a message naming its field."""
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        for message in errors:
            messages.error(request, f"{label}：{message}" if label else message)


@role_required(*ORGANIZERS)
def call_list(request: HttpRequest) -> HttpResponse:
    calls = calls_visible_to(request.user).prefetch_related("communities")
    context = {
        "page_obj": paginate(request, calls),
        "can_publish": rules.may_publish_call(request.user),
        "applications": applications_visible_to(request.user).order_by("-submitted_at")[:20],
    }
    return render(request, "projects/call_list.html", context)


@role_required(*SUPERVISORS)
def call_create(request: HttpRequest) -> HttpResponse:
    form = forms.CallForm(
        request.POST or None,
        communities=communities_visible_to(request.user),
        streets=streets_visible_to(request.user),
    )
    if request.method == "POST" and form.is_valid():
        try:
            call = domain.call_publish(actor=request.user, **form.domain_arguments())
        except ValidationError as error:
            apply_domain_error(form, error)
        else:
            messages.success(request, _("项目已发布。"))
            return redirect("projects:call_detail", pk=call.pk)
    return render(request, "projects/form.html", {"form": form, "title": _("发布项目")})


def _applicants(call):
    return Organization.objects.filter(pk__in=call.applications.values("organization"))


def _call_context(request: HttpRequest, call) -> dict:
    user = request.user
    membership = membership_of(user)
    organization = membership.organization if membership else None
    applications = applications_visible_to(user).filter(call=call).order_by("rank", "pk")
    apply_refusal = rules.apply_refusal(user, call, organization)
    decide_refusal = rules.decide_refusal(user, call)
    context = {
        "call": call,
        "criteria": call.criteria.all(),
        "targets": call.targets.prefetch_related("service_types", "communities"),
        "applications": applications,
        "reviewers": call.reviewers.all() if rules.may_manage_call(user, call) else [],
        "can_apply": apply_refusal is None,
        "why_not_apply": _state_reason(apply_refusal),
        "can_decide": decide_refusal is None,
        # Before the closing date a manager learns when the ranking opens.
        "why_not_decide": _state_reason(decide_refusal) if call.status == call.Status.OPEN else "",
        "is_reviewer": rules.is_reviewer(user, call),
        "conflicts": call.conflicts.filter(reviewer=user).select_related("organization"),
    }
    if rules.may_add_reviewer(user, call):
        candidates = get_user_model().objects.filter(role__in=PROJECT_REVIEWERS, is_active=True)
        context["reviewer_form"] = forms.ReviewerForm(candidates=candidates.order_by("username"))
    if rules.may_declare_conflict(user, call):
        context["conflict_form"] = forms.ConflictForm(organizations=_applicants(call))
    return context


@role_required(*ORGANIZERS)
def call_detail(request: HttpRequest, pk: int) -> HttpResponse:
    call = get_object_or_404(calls_visible_to(request.user), pk=pk)
    return render(request, "projects/call_detail.html", _call_context(request, call))


@require_POST
@role_required(*ORGANIZERS)
def call_add_reviewer(request: HttpRequest, pk: int) -> HttpResponse:
    call = get_object_or_404(calls_visible_to(request.user), pk=pk)
    refusal = rules.add_reviewer_refusal(request.user, call)
    if refused := _state_refused(request, refusal, "projects:call_detail", call.pk):
        return refused
    candidates = get_user_model().objects.filter(role__in=PROJECT_REVIEWERS, is_active=True)
    form = forms.ReviewerForm(request.POST, candidates=candidates)
    if form.is_valid():
        try:
            domain.call_add_reviewer(
                call=call, reviewer=form.cleaned_data["reviewer"], actor=request.user
            )
        except ValidationError as error:
            _refused(request, error)
        else:
            messages.success(request, _("评审人已加入。"))
    return redirect("projects:call_detail", pk=call.pk)


@require_POST
@role_required(*ORGANIZERS)
def conflict_declare(request: HttpRequest, pk: int) -> HttpResponse:
    call = get_object_or_404(calls_visible_to(request.user), pk=pk)
    refusal = rules.declare_conflict_refusal(request.user, call)
    if refused := _state_refused(request, refusal, "projects:call_detail", call.pk):
        return refused
    form = forms.ConflictForm(request.POST, organizations=_applicants(call))
    if form.is_valid():
        try:
            domain.conflict_declare(call=call, reviewer=request.user, **form.cleaned_data)
        except ValidationError as error:
            _refused(request, error)
        else:
            messages.success(request, _("利益冲突已声明，您不会为该组织评分。"))
    return redirect("projects:call_detail", pk=call.pk)


def _refuse_unless(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


@role_required(*ORGANIZERS)
def application_create(request: HttpRequest, pk: int) -> HttpResponse:
    call = get_object_or_404(calls_visible_to(request.user), pk=pk)
    membership = membership_of(request.user)
    organization = membership.organization if membership else None
    refusal = rules.apply_refusal(request.user, call, organization)
    if refused := _state_refused(request, refusal, "projects:call_detail", call.pk):
        return refused
    form = forms.ApplicationForm(
        request.POST or None,
        social_workers=SocialWorker.objects.filter(organization=organization, active=True),
        volunteer_teams=VolunteerTeam.objects.filter(leader__organization=organization),
    )
    if request.method == "POST" and form.is_valid():
        try:
            application = domain.application_submit(
                call=call, organization=organization, actor=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            apply_domain_error(form, error)
        else:
            messages.success(request, _("申报已提交。"))
            return redirect("projects:application_detail", pk=application.pk)
    context = {"form": form, "title": _("申报：%(call)s") % {"call": call}, "call": call}
    return render(request, "projects/form.html", context)


@role_required(*ORGANIZERS)
def call_decide(request: HttpRequest, pk: int) -> HttpResponse:
    call = get_object_or_404(calls_visible_to(request.user), pk=pk)
    refusal = rules.decide_refusal(request.user, call)
    if refused := _state_refused(request, refusal, "projects:call_detail", call.pk):
        return refused
    form = forms.DecisionForm(request.POST or None, ranking=domain.call_ranking(call=call))
    if request.method == "POST" and form.is_valid():
        try:
            domain.call_decide(
                call=call,
                actor=request.user,
                awarded_ids=form.awarded_ids(),
                reasons=form.reasons(),
            )
        except ValidationError as error:
            apply_domain_error(form, error)
        else:
            messages.success(request, _("评定结果已记录。"))
            return redirect("projects:call_detail", pk=call.pk)
    return render(request, "projects/decide.html", {"form": form, "call": call})


def _application_context(request: HttpRequest, application) -> dict:
    user = request.user
    context = {
        "application": application,
        "call": application.call,
        "lines": application.budget_lines.all(),
        "social_workers": application.social_workers.all(),
        "volunteer_teams": application.volunteer_teams.all(),
        "can_see_scores": rules.may_see_scores(user, application),
        "conflicted": rules.is_reviewer(user, application.call)
        and rules.is_conflicted(user, application),
        "own_review": application.reviews.filter(reviewer=user).first(),
        "contract": getattr(application, "contract", None),
    }
    if context["can_see_scores"]:
        context["reviews"] = application.reviews.prefetch_related("scores__criterion")
    if rules.may_review(user, application):
        context["review_form"] = forms.ReviewForm(criteria=application.call.criteria.all())
    if rules.may_sign_contract(user, application):
        context["contract_form"] = forms.ContractForm()
    return context


@role_required(*ORGANIZERS)
def application_detail(request: HttpRequest, pk: int) -> HttpResponse:
    application = get_object_or_404(applications_visible_to(request.user), pk=pk)
    return render(
        request, "projects/application_detail.html", _application_context(request, application)
    )


@require_POST
@role_required(*ORGANIZERS)
def review_submit(request: HttpRequest, pk: int) -> HttpResponse:
    application = get_object_or_404(applications_visible_to(request.user), pk=pk)
    _refuse_unless(rules.is_reviewer(request.user, application.call))
    form = forms.ReviewForm(request.POST, criteria=application.call.criteria.all())
    if form.is_valid():
        try:
            domain.review_submit(
                application=application,
                reviewer=request.user,
                scores=form.scores(),
                comment=form.cleaned_data["comment"],
            )
        except ValidationError as error:
            _refused(request, error)
        else:
            messages.success(request, _("评分已提交。"))
            return redirect("projects:application_detail", pk=application.pk)
    else:
        messages.error(request, _("请检查评分。"))
    return redirect("projects:application_detail", pk=application.pk)


@require_POST
@role_required(*SUPERVISORS)
def contract_sign(request: HttpRequest, pk: int) -> HttpResponse:
    application = get_object_or_404(applications_visible_to(request.user), pk=pk)
    refusal = rules.sign_contract_refusal(request.user, application)
    if refused := _state_refused(request, refusal, "projects:application_detail", application.pk):
        return refused
    form = forms.ContractForm(request.POST)
    if form.is_valid():
        try:
            contract = domain.contract_sign(
                application=application,
                actor=request.user,
                starts_on=form.cleaned_data["starts_on"],
                ends_on=form.cleaned_data["ends_on"],
                budget_fen=form.budget_fen(),
            )
        except ValidationError as error:
            _refused(request, error)
        else:
            messages.success(request, _("合同已签订。"))
            return redirect("projects:contract_detail", pk=contract.pk)
    else:
        messages.error(request, _("请检查合同日期和金额。"))
    return redirect("projects:application_detail", pk=application.pk)


# --- contracts -----------------------------------------------------------------------------


@role_required(*ORGANIZERS)
def contract_list(request: HttpRequest) -> HttpResponse:
    contracts = contracts_visible_to(request.user)
    return render(
        request, "projects/contract_list.html", {"page_obj": paginate(request, contracts)}
    )


@role_required(*ORGANIZERS)
def contract_detail(request: HttpRequest, pk: int) -> HttpResponse:
    contract = get_object_or_404(contracts_visible_to(request.user), pk=pk)
    user = request.user
    progress = contract_progress(contract=contract)
    milestones = contract.milestones.prefetch_related("payment_requests")
    context = {
        "contract": contract,
        "progress": progress,
        "chart": progress_chart(progress) | {"legend": _chart_legend()},
        "milestones": milestones,
        "payments": contract.payments.select_related("milestone", "approved_by"),
        "can_manage": rules.may_manage_contract(user, contract),
        "can_request": rules.may_request_payment(user, contract),
        "can_suspend": rules.may_suspend_contract(user, contract),
        "can_resume": rules.may_resume_contract(user, contract),
        "can_complete": rules.may_complete_contract(user, contract),
        "milestone_form": forms.MilestoneForm()
        if rules.may_add_milestone(user, contract)
        else None,
        "request_form": forms.PaymentRequestForm(),
        "reason_form": forms.ReasonForm(),
    }
    return render(request, "projects/contract_detail.html", context)


def _contract_action(request: HttpRequest, pk: int, form_class, act) -> HttpResponse:
    """Bind the posted form, run one domain call, report; back to the contract page."""
    contract = get_object_or_404(contracts_visible_to(request.user), pk=pk)
    form = form_class(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
        return redirect("projects:contract_detail", pk=contract.pk)
    try:
        act(contract, form.cleaned_data)
    except ValidationError as error:
        _refused(request, error)
    else:
        messages.success(request, _("已保存。"))
    return redirect("projects:contract_detail", pk=contract.pk)


@require_POST
@role_required(*SUPERVISORS)
def milestone_add(request: HttpRequest, pk: int) -> HttpResponse:
    def act(contract, data):
        domain.milestone_add(
            contract=contract,
            actor=request.user,
            title=data["title"],
            due_on=data["due_on"],
            amount_fen=forms.to_fen(data["amount_yuan"]),
            visits_required=data["visits_required"],
        )

    return _contract_action(request, pk, forms.MilestoneForm, act)


@require_POST
@role_required(*SUPERVISORS)
def contract_suspend(request: HttpRequest, pk: int) -> HttpResponse:
    def act(contract, data):
        domain.contract_suspend(contract=contract, actor=request.user, reason=data["reason"])

    return _contract_action(request, pk, forms.ReasonForm, act)


@require_POST
@role_required(*SUPERVISORS)
def contract_complete(request: HttpRequest, pk: int) -> HttpResponse:
    def act(contract, data):
        domain.contract_complete(contract=contract, actor=request.user, evaluation=data["reason"])

    return _contract_action(request, pk, forms.ReasonForm, act)


@require_POST
@role_required(*SUPERVISORS)
def contract_resume(request: HttpRequest, pk: int) -> HttpResponse:
    def act(contract, data):
        domain.contract_resume(contract=contract, actor=request.user, reason=data["reason"])

    return _contract_action(request, pk, forms.ReasonForm, act)


@require_POST
@role_required(*ORGANIZERS)
def payment_request_submit(request: HttpRequest, pk: int) -> HttpResponse:
    milestone = get_object_or_404(
        Milestone.objects.filter(contract__in=contracts_visible_to(request.user)), pk=pk
    )

    def act(contract, data):
        domain.payment_request_submit(
            milestone=milestone, actor=request.user, amount_fen=forms.to_fen(data["amount_yuan"])
        )

    return _contract_action(request, milestone.contract_id, forms.PaymentRequestForm, act)


def _visible_payment_request(request: HttpRequest, pk: int) -> PaymentRequest:
    visible = PaymentRequest.objects.filter(
        milestone__contract__in=contracts_visible_to(request.user)
    ).select_related("milestone")
    return get_object_or_404(visible, pk=pk)


@require_POST
@role_required(*SUPERVISORS)
def payment_request_approve(request: HttpRequest, pk: int) -> HttpResponse:
    payment_request = _visible_payment_request(request, pk)
    try:
        domain.payment_request_approve(payment_request=payment_request, actor=request.user)
    except ValidationError as error:
        _refused(request, error)
    else:
        messages.success(request, _("已批准并记录付款。"))
    return redirect("projects:contract_detail", pk=payment_request.milestone.contract_id)


@require_POST
@role_required(*SUPERVISORS)
def payment_request_reject(request: HttpRequest, pk: int) -> HttpResponse:
    payment_request = _visible_payment_request(request, pk)

    def act(contract, data):
        domain.payment_request_reject(
            payment_request=payment_request, actor=request.user, reason=data["reason"]
        )

    return _contract_action(request, payment_request.milestone.contract_id, forms.ReasonForm, act)


# --- incubation and category targets ------------------------------------------------------


def _incubation_forms(user, data=None):
    """The forms the user may use on the incubation page (None where refused)."""
    if not rules.may_manage_incubation(user):
        return None
    candidates = organizations_visible_to(user).filter(incubation__isnull=True)
    if user.role not in CITY_STAFF:
        candidates = candidates.filter(home_street__staff_assignments__user=user)
    return forms.IncubationStartForm(
        data,
        organizations=candidates.order_by("name"),
        mentors=organizations_visible_to(user)
        .filter(status=Organization.Status.APPROVED)
        .order_by("name"),
    )


@role_required(*ORGANIZERS)
def incubation_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    incubations = incubations_visible_to(user).order_by("stage", "-started_on", "pk")
    rows = [(i, rules.may_update_incubation(user, i)) for i in incubations]
    context = {
        "rows": rows,
        "start_form": _incubation_forms(user),
        "end_form": forms.IncubationEndForm(),
        "can_set_targets": rules.may_set_category_targets(user),
    }
    return render(request, "projects/incubation_list.html", context)


@require_POST
@role_required(*SUPERVISORS)
def incubation_start(request: HttpRequest) -> HttpResponse:
    form = _incubation_forms(request.user, request.POST)
    _refuse_unless(form is not None)
    if form.is_valid():
        try:
            domain.incubation_start(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            _refused(request, error)
        else:
            messages.success(request, _("已记录入孵。"))
    else:
        _form_refused(request, form)
    return redirect("projects:incubation_list")


@require_POST
@role_required(*SUPERVISORS)
def incubation_end(request: HttpRequest, pk: int) -> HttpResponse:
    incubation = get_object_or_404(incubations_visible_to(request.user), pk=pk)
    _refuse_unless(rules.may_manage_incubation(request.user, incubation.organization))
    form = forms.IncubationEndForm(request.POST)
    if form.is_valid():
        try:
            domain.incubation_end(incubation=incubation, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            _refused(request, error)
        else:
            messages.success(request, _("孵化结果已记录。"))
    else:
        _form_refused(request, form)
    return redirect("projects:incubation_list")


@predicate_required(rules.may_set_category_targets)
def category_targets(request: HttpRequest) -> HttpResponse:
    districts = District.objects.order_by("code")
    form = forms.CategoryTargetForm(request.POST or None, districts=districts)
    if request.method == "POST" and form.is_valid():
        try:
            domain.category_targets_set(
                district=form.cleaned_data["district"], targets=form.targets(), actor=request.user
            )
        except ValidationError as error:
            apply_domain_error(form, error)
        else:
            messages.success(request, _("培育目标已保存。"))
            return redirect("projects:category_targets")
    current = {}
    for target in CategoryTarget.objects.select_related("district"):
        current.setdefault(target.district, {})[target.category] = target.target
    context = {
        "form": form,
        "categories": Category.choices,
        "current": [
            (district, [targets.get(code) for code in Category.values])
            for district, targets in sorted(current.items(), key=lambda item: item[0].code)
        ],
    }
    return render(request, "projects/category_targets.html", context)
