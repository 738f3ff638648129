"""Pages where an organization publishes and edits its offerings (服务项目)."""

from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import ExpressionWrapper, F, FloatField
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from organizations.queries import membership_of
from organizations.rules import may_manage_offerings
from sanlian.view_helpers import apply_domain_error, paginate, predicate_required
from services.offerings import domain
from services.offerings.forms import OfferingForm
from services.offerings.queries import offerings_visible_to


def _membership(request: HttpRequest):
    membership = membership_of(request.user)
    if membership is None:
        raise Http404
    return membership


def _approved_membership_or_redirect(request: HttpRequest):
    membership = _membership(request)
    if not may_manage_offerings(request.user, membership.organization):
        messages.error(request, _("本组织当前不是已批准状态，暂不能使用此功能。"))
        return membership, redirect("organizations:workspace")
    return membership, None


@predicate_required(may_manage_offerings)
def offering_list(request: HttpRequest) -> HttpResponse:
    membership = _membership(request)
    offerings = (
        offerings_visible_to(request.user)
        .prefetch_related("communities", "windows")
        .annotate(price_yuan=ExpressionWrapper(F("price_fen") / 100.0, output_field=FloatField()))
        .order_by("status", "service_type__name", "pk")
    )
    context = {
        "organization": membership.organization,
        "is_approved": may_manage_offerings(request.user, membership.organization),
        "page_obj": paginate(request, offerings),
    }
    return render(request, "services/offerings/offering_list.html", context)


@predicate_required(may_manage_offerings)
def offering_create(request: HttpRequest) -> HttpResponse:
    membership, refused = _approved_membership_or_redirect(request)
    if refused:
        return refused
    organization = membership.organization
    form = OfferingForm(request.POST or None, organization=organization)
    if request.method == "POST" and form.is_valid():
        try:
            domain.offering_publish(
                organization=organization, actor=request.user, **form.offering_data()
            )
        except ValidationError as error:
            apply_domain_error(form, error)
        else:
            messages.success(request, _("服务项目已发布。"))
            return redirect("offerings:list")
    return render(request, "services/offerings/offering_form.html", {"form": form})


def _offering_initial(offering) -> dict:
    """The edit form's fields from an offering: windows become weekdays and up to two slots."""
    windows = list(offering.windows.all())
    slots = sorted({(window.start_time, window.end_time) for window in windows})
    initial = {
        "service_type": offering.service_type,
        "communities": offering.communities.all(),
        "weekly_capacity": offering.weekly_capacity,
        "price_class": offering.price_class,
        "price_yuan": Decimal(offering.price_fen) / 100 if offering.price_fen else None,
        "venue": offering.venue,
        "weekdays": sorted({window.weekday for window in windows}),
        "description": offering.description,
    }
    for suffix, (start, end) in zip(["", "_2"], slots, strict=False):
        initial[f"start_time{suffix}"], initial[f"end_time{suffix}"] = start, end
    return initial


@predicate_required(may_manage_offerings)
def offering_edit(request: HttpRequest, pk: int) -> HttpResponse:
    offering = get_object_or_404(offerings_visible_to(request.user), pk=pk)
    membership, refused = _approved_membership_or_redirect(request)
    if refused:
        return refused
    form = OfferingForm(
        request.POST or None,
        organization=membership.organization,
        initial=_offering_initial(offering),
    )
    if request.method == "POST" and form.is_valid():
        try:
            domain.offering_update(offering=offering, actor=request.user, **form.offering_data())
        except ValidationError as error:
            apply_domain_error(form, error)
        else:
            messages.success(request, _("服务项目已修改。"))
            return redirect("offerings:list")
    context = {"form": form, "offering": offering}
    return render(request, "services/offerings/offering_form.html", context)


@require_POST
@predicate_required(may_manage_offerings)
def offering_set_status(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    offering = get_object_or_404(offerings_visible_to(request.user), pk=pk)
    act = domain.offering_pause if action == "pause" else domain.offering_resume
    try:
        act(offering=offering, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("服务项目状态已更新。"))
    return redirect("offerings:list")
