"""Organization pages: thin adapters between forms, scoped queries and domain functions."""

import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from communities.models import Venue
from communities.queries import communities_visible_to, streets_visible_to
from organizations import domain, rules
from organizations.forms import (
    AgreementFilterForm,
    AgreementRequestForm,
    InviteForm,
    ProfileForm,
    ReasonForm,
    RegistrationForm,
    ReviewFilterForm,
)
from organizations.models import Organization
from organizations.queries import (
    agreements_for_list,
    agreements_visible_to,
    membership_of,
    organizations_for_review,
    organizations_visible_to,
)
from sanlian.api.throttling import RegistrationRateThrottle
from sanlian.models import AuditEntry
from sanlian.view_helpers import apply_domain_error, paginate, predicate_required


def _membership(request: HttpRequest):
    membership = membership_of(request.user)
    if membership is None:
        raise Http404
    return membership


# --- registration -------------------------------------------------------------------------


def register(request: HttpRequest) -> HttpResponse:
    form = RegistrationForm(request.POST or None)
    # The API's throttle, per client address; the page and the API share one budget.
    if request.method == "POST" and not RegistrationRateThrottle().allow_request(request, None):
        form = RegistrationForm()
        context = {"form": form, "throttled": True}
        return render(request, "organizations/register.html", context, status=429)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            domain.organization_register(
                **{field: data[field] for field in RegistrationForm.Meta.fields},
                communities=data["communities"],
                streets=data["streets"],
                username=data["username"],
                password=data["password"],
            )
        except ValidationError as error:
            apply_domain_error(form, error)
        else:
            return redirect("organizations:register_done")
    return render(request, "organizations/register.html", {"form": form})


def register_done(request: HttpRequest) -> HttpResponse:
    return render(request, "organizations/register_done.html")


# --- review -------------------------------------------------------------------------------


@predicate_required(rules.may_view_review_list)
def review_list(request: HttpRequest) -> HttpResponse:
    data = request.GET.copy() if request.GET else {"status": Organization.Status.SUBMITTED}
    form = ReviewFilterForm(data, streets=streets_visible_to(request.user))
    filters = form.cleaned_data if form.is_valid() else {}
    older_than = filters.get("older_than")
    organizations = organizations_for_review(
        request.user,
        status=filters.get("status", ""),
        category=filters.get("category", ""),
        street_id=filters["street"].pk if filters.get("street") else None,
        submitted_before=(
            timezone.now() - datetime.timedelta(days=int(older_than)) if older_than else None
        ),
        search=filters.get("q", ""),
    )
    page = paginate(request, organizations)
    return render(
        request,
        "organizations/review_list.html",
        {"form": form, "page_obj": page, "now": timezone.now()},
    )


@predicate_required(rules.may_view_organization)
def organization_detail(request: HttpRequest, pk: int) -> HttpResponse:
    organization = get_object_or_404(organizations_visible_to(request.user), pk=pk)
    return _detail_page(request, organization, ReasonForm())


def _detail_page(request, organization, reason_form: ReasonForm, *, status: int = 200):
    context = {
        "organization": organization,
        "history": organization.status_changes.select_related("changed_by"),
        "audit": AuditEntry.objects.filter(
            object_type=organization._meta.label_lower, object_id=str(organization.pk)
        ).select_related("actor"),
        "wants_to_serve": organization.wants_to_serve.select_related("street"),
        # Through the scoped query: a street user sees this organization's agreements in
        # their own street only, as in the API.
        "agreements": agreements_visible_to(request.user).filter(organization=organization),
        "may_review": rules.may_review_organization(request.user, organization),
        "review_actions": rules.review_actions(request.user, organization),
        "reason_form": reason_form,
    }
    return render(request, "organizations/organization_detail.html", context, status=status)


REVIEW_ACTIONS = {
    "approve": (domain.organization_approve, gettext_lazy("已批准该组织。")),
    "reject": (domain.organization_reject, gettext_lazy("已驳回该组织的登记。")),
    "suspend": (domain.organization_suspend, gettext_lazy("已暂停该组织。")),
    "reinstate": (domain.organization_reinstate, gettext_lazy("已恢复该组织。")),
}


@require_POST
@predicate_required(rules.may_review_organization)
def organization_review(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    organization = get_object_or_404(organizations_visible_to(request.user), pk=pk)
    act, done = REVIEW_ACTIONS[action]
    form = ReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        act(organization=organization, reviewer=request.user, reason=reason)
    except ValidationError as error:
        if not hasattr(error, "error_dict"):
            messages.error(request, " ".join(error.messages))
            return redirect("organizations:detail", pk=organization.pk)
        apply_domain_error(form, error)
        organization.refresh_from_db()
        return _detail_page(request, organization, form, status=400)
    messages.success(request, done)
    return redirect("organizations:detail", pk=organization.pk)


# --- workspace ----------------------------------------------------------------------------


@predicate_required(rules.may_use_workspace)
def workspace(request: HttpRequest) -> HttpResponse:
    membership = _membership(request)
    organization = membership.organization
    user = request.user
    context = {
        "membership": membership,
        "organization": organization,
        "is_approved": rules.is_approved(organization),
        "may_resubmit": rules.may_resubmit(user, organization),
        "may_edit_profile": rules.may_edit_profile(user, organization),
        "may_invite_member": rules.may_invite_member(user, organization),
        "history": organization.status_changes.select_related("changed_by"),
        "members": organization.members.select_related("user").order_by("joined_at"),
        "wants_to_serve": organization.wants_to_serve.select_related("street"),
    }
    return render(request, "organizations/workspace.html", context)


def _membership_allowed_or_redirect(request: HttpRequest, allowed):
    """The workspace's membership, or a redirect when its organization's state refuses."""
    membership = _membership(request)
    if not allowed(request.user, membership.organization):
        messages.error(request, _("本组织当前不是已批准状态，暂不能使用此功能。"))
        return membership, redirect("organizations:workspace")
    return membership, None


@require_POST
@predicate_required(rules.may_use_workspace)
def organization_resubmit(request: HttpRequest) -> HttpResponse:
    membership = _membership(request)
    if not rules.is_member(request.user, membership.organization, admin=True):
        raise PermissionDenied
    try:
        domain.organization_resubmit(organization=membership.organization, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("已重新提交审核，请等待审核结果。"))
    return redirect("organizations:workspace")


@predicate_required(rules.may_use_workspace)
def profile_edit(request: HttpRequest) -> HttpResponse:
    membership, refused = _membership_allowed_or_redirect(request, rules.may_edit_profile)
    if refused:
        return refused
    organization = membership.organization
    initial = {field: getattr(organization, field) for field in domain.PROFILE_FIELDS}
    initial["contact_phone"] = ""  # never echo the full number back into the page
    initial["wants_to_serve"] = organization.wants_to_serve.all()
    form = ProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        fields = dict(form.cleaned_data)
        wants_to_serve = fields.pop("wants_to_serve")
        if not fields["contact_phone"]:
            fields.pop("contact_phone")
        try:
            domain.organization_update_profile(
                organization=organization,
                actor=request.user,
                wants_to_serve=wants_to_serve,
                **fields,
            )
        except ValidationError as error:
            apply_domain_error(form, error)
        else:
            messages.success(request, _("组织资料已保存。"))
            return redirect("organizations:workspace")
    context = {"form": form, "organization": organization}
    return render(request, "organizations/profile_form.html", context)


def _approved(user, organization) -> bool:
    return rules.is_approved(organization)


@predicate_required(rules.may_use_workspace)
def member_invite(request: HttpRequest) -> HttpResponse:
    # An organization that is not approved is sent back with a message; a plain member is refused.
    membership, refused = _membership_allowed_or_redirect(request, _approved)
    if refused:
        return refused
    if not rules.may_invite_member(request.user, membership.organization):
        raise PermissionDenied
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            member, password = domain.organization_member_invite(
                organization=membership.organization, actor=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            apply_domain_error(form, error)
        else:
            # Rendered, not redirected: the password exists only in this response.
            context = {"member": member, "password": password}
            return render(request, "organizations/member_invited.html", context)
    return render(request, "organizations/member_form.html", {"form": form})


# --- agreements ---------------------------------------------------------------------------


@predicate_required(rules.may_view_agreements)
def agreement_list(request: HttpRequest) -> HttpResponse:
    form = AgreementFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    agreements = agreements_for_list(
        request.user, status=filters.get("status", ""), search=filters.get("q", "")
    )
    context = {"form": form, "page_obj": paginate(request, agreements)}
    if rules.may_request_agreement(request.user):
        organization = _membership(request).organization
        context["may_request"] = rules.may_request_agreement(request.user, organization)
    return render(request, "organizations/agreement_list.html", context)


@predicate_required(rules.may_request_agreement)
def agreement_create(request: HttpRequest) -> HttpResponse:
    membership, refused = _membership_allowed_or_redirect(request, rules.may_request_agreement)
    if refused:
        return refused
    form = AgreementRequestForm(
        request.POST or None, communities=communities_visible_to(request.user)
    )
    if request.method == "POST" and form.is_valid():
        try:
            agreement = domain.agreement_request(
                organization=membership.organization, actor=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            apply_domain_error(form, error)
        else:
            messages.success(request, _("入驻申请已提交，等待社区确认。"))
            return redirect("organizations:agreement_detail", pk=agreement.pk)
    return render(request, "organizations/agreement_form.html", {"form": form})


@predicate_required(rules.may_request_agreement)
def agreement_venue_options(request: HttpRequest) -> HttpResponse:
    """The venue <option>s of one community, loaded by htmx when the community changes."""
    _membership(request)
    community = communities_visible_to(request.user).filter(pk=_int(request.GET.get("community")))
    venues = Venue.objects.filter(community__in=community).order_by("name")
    return render(request, "organizations/_venue_options.html", {"venues": venues})


def _int(value) -> int | None:
    return int(value) if value and value.isdigit() and len(value) < 19 else None


@predicate_required(rules.may_view_agreements)
def agreement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = get_object_or_404(agreements_visible_to(request.user), pk=pk)
    context = {
        "agreement": agreement,
        "may_decide": rules.may_decide_agreement(request.user, agreement),
        "may_end": rules.may_end_agreement(request.user, agreement),
        "reason_form": ReasonForm(),
        "audit": AuditEntry.objects.filter(
            object_type=agreement._meta.label_lower, object_id=str(agreement.pk)
        ).select_related("actor"),
    }
    return render(request, "organizations/agreement_detail.html", context)


AGREEMENT_ACTIONS = {
    "accept": (
        domain.agreement_accept,
        rules.may_decide_agreement,
        gettext_lazy("已同意入驻。"),
    ),
    "decline": (
        domain.agreement_decline,
        rules.may_decide_agreement,
        gettext_lazy("已拒绝入驻申请。"),
    ),
    "end": (domain.agreement_end, rules.may_end_agreement, gettext_lazy("协议已结束。")),
}


@require_POST
@predicate_required(rules.may_view_agreements)
def agreement_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    act, allowed, done = AGREEMENT_ACTIONS[action]
    # The role gate only: the object's scope and state are the domain's to refuse.
    if not allowed(request.user):
        raise PermissionDenied
    agreement = get_object_or_404(agreements_visible_to(request.user), pk=pk)
    form = ReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        act(agreement=agreement, actor=request.user, reason=reason)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, done)
    return redirect("organizations:agreement_detail", pk=agreement.pk)
