"""Pages for residents and their family: ask for a service, follow it, cancel it, rate visits."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from communities.queries import residents_visible_to
from sanlian.roles import RESIDENT_SIDE, STAFF
from sanlian.view_helpers import apply_domain_error, paginate, posted, require_role
from services.care.domain.requests import request_cancel, request_create
from services.care.domain.visits import PENDING, feedback_give
from services.care.forms import CancelForm, FeedbackForm, RequestForm
from services.care.queries import requests_visible_to, visits_visible_to
from services.care.rules import may_cancel_request, may_rate
from services.models import Match, RequestChannel, ServiceRequest, Visit

PLAIN_STATUS = {
    ServiceRequest.Status.OPEN: gettext_lazy("已收到，正在为您寻找服务机构"),
    ServiceRequest.Status.MATCHED: gettext_lazy("已找到服务机构，正在安排上门时间"),
    ServiceRequest.Status.SCHEDULED: gettext_lazy("已安排好上门时间"),
    ServiceRequest.Status.DONE: gettext_lazy("服务已完成"),
    ServiceRequest.Status.CANCELLED: gettext_lazy("已取消"),
}


# Matched, but the organization has not said yes yet: it may still decline.
AWAITING_ORGANIZATION = gettext_lazy("已为您推荐服务机构，正在等待机构确认")


def _with_acceptance(requests):
    accepted = Match.objects.filter(request=OuterRef("pk"), status=Match.Status.ACCEPTED)
    return requests.annotate(organization_accepted=Exists(accepted))


def _plain(service_request: ServiceRequest) -> ServiceRequest:
    """`plain_status`: where the request stands, in words a resident uses."""
    if service_request.status == ServiceRequest.Status.MATCHED and not getattr(
        service_request, "organization_accepted", True
    ):
        service_request.plain_status = AWAITING_ORGANIZATION
    else:
        service_request.plain_status = PLAIN_STATUS[service_request.status]
    return service_request


@login_required
def my_requests(request: HttpRequest) -> HttpResponse:
    require_role(request.user, RESIDENT_SIDE)
    page = paginate(
        request, _with_acceptance(requests_visible_to(request.user)).order_by("-created_at", "-id")
    )
    for item in page:
        _plain(item)
    visits = visits_visible_to(request.user)
    context = {
        "page_obj": page,
        "upcoming": visits.filter(
            status__in=PENDING, scheduled_start__date__gte=timezone.localdate()
        ).order_by("scheduled_start")[:10],
        "to_rate": visits.filter(status=Visit.Status.COMPLETED, feedback__isnull=True).order_by(
            "-scheduled_start"
        )[:5],
    }
    return render(request, "services/residents/my_requests.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def request_new(request: HttpRequest) -> HttpResponse:
    require_role(request.user, RESIDENT_SIDE)
    residents = residents_visible_to(request.user).filter(anonymised_at__isnull=True)
    form = RequestForm(posted(request), residents=residents)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            service_request = request_create(
                resident=data["resident"],
                service_type=data["service_type"],
                preferred_days=data["preferred_days"],
                preferred_start=data["preferred_start"],
                preferred_end=data["preferred_end"],
                notes=data["notes"],
                preferred_organization=data["preferred_organization"],
                excluded_organization=data["excluded_organization"],
                channel=RequestChannel.WEB,
                filed_by=request.user,
            )
        except ValidationError as error:
            apply_domain_error(form, error)
        else:
            messages.success(request, _("已提交，我们会尽快为您安排。"))
            return redirect("services:request_detail", pk=service_request.pk)
    return render(request, "services/residents/request_form.html", {"form": form})


@login_required
def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    requests = _with_acceptance(requests_visible_to(request.user))
    service_request = _plain(get_object_or_404(requests, pk=pk))
    visits = list(
        visits_visible_to(request.user)
        .filter(request=service_request)
        .order_by("scheduled_start")
        .select_related("feedback")
    )
    context = {
        "service_request": service_request,
        "visits": visits,
        "rateable": {visit.pk for visit in visits if may_rate(request.user, visit)},
        "can_cancel": may_cancel_request(request.user, service_request),
        "resident_side": request.user.role in RESIDENT_SIDE,
    }
    return render(request, "services/residents/request_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def request_cancel_view(request: HttpRequest, pk: int) -> HttpResponse:
    service_request = get_object_or_404(_with_acceptance(requests_visible_to(request.user)), pk=pk)
    require_role(request.user, RESIDENT_SIDE | STAFF)
    form = CancelForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            request_cancel(
                service_request=service_request,
                actor=request.user,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            apply_domain_error(form, error)
        else:
            messages.success(request, _("已取消这项服务需求。"))
            return redirect("services:request_detail", pk=service_request.pk)
    context = {
        "service_request": _plain(service_request),
        "form": form,
        "resident_side": request.user.role in RESIDENT_SIDE,
    }
    return render(request, "services/residents/request_cancel.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def visit_feedback(request: HttpRequest, pk: int) -> HttpResponse:
    visit = get_object_or_404(visits_visible_to(request.user), pk=pk)
    require_role(request.user, RESIDENT_SIDE)
    form = FeedbackForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            feedback_give(
                visit=visit,
                actor=request.user,
                rating=form.cleaned_data["rating"],
                comment=form.cleaned_data["comment"],
            )
        except ValidationError as error:
            apply_domain_error(form, error)
        else:
            messages.success(request, _("谢谢您的评价！"))
            return redirect("services:my_requests")
    return render(request, "services/residents/feedback_form.html", {"form": form, "visit": visit})
