"""Visit pages: the organization's list and schedule form, the worker's "my visits", details."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from sanlian.roles import ORGANIZERS, VISIT_WORKERS
from sanlian.security import allow_geolocation
from sanlian.view_helpers import apply_domain_error, paginate, posted, require_role
from services.care.domain import visits as domain
from services.care.forms import (
    CancelForm,
    CheckInForm,
    CheckOutForm,
    CompleteForm,
    MissedForm,
    RescheduleForm,
    VisitFilterForm,
    VisitScheduleForm,
)
from services.care.queries import (
    assignable_workers,
    visits_assigned_to,
    visits_upcoming_first,
    visits_visible_to,
)
from services.care.rules import visit_open_steps
from services.matching.queries import matches_visible_to
from services.models import Match, Visit


def _filtered_visits(user, form: VisitFilterForm):
    visits = visits_upcoming_first(visits_visible_to(user))
    if form.is_valid():
        data = form.cleaned_data
        if data["status"]:
            visits = visits.filter(status=data["status"])
        if data["date_from"]:
            visits = visits.filter(scheduled_start__date__gte=data["date_from"])
        if data["date_to"]:
            visits = visits.filter(scheduled_start__date__lte=data["date_to"])
    return visits


@login_required
def visit_list(request: HttpRequest) -> HttpResponse:
    require_role(request.user, ORGANIZERS)
    form = VisitFilterForm(request.GET or None)
    pending = Visit.objects.filter(match=OuterRef("pk"), status__in=domain.PENDING)
    to_schedule = (
        matches_visible_to(request.user)
        .filter(status=Match.Status.ACCEPTED)
        .exclude(Exists(pending))
        .exclude(request__status__in=("done", "cancelled"))
        .order_by("week_start", "id")[:50]
    )
    context = {
        "form": form,
        "page_obj": paginate(request, _filtered_visits(request.user, form)),
        "to_schedule": to_schedule,
    }
    return render(request, "services/visits/visit_list.html", context)


def _schedule_form(data, match: Match) -> VisitScheduleForm:
    assignable = assignable_workers(match)
    return VisitScheduleForm(
        data,
        social_workers=assignable.social_workers,
        volunteers=assignable.volunteers,
        staff_members=assignable.staff_members,
    )


@login_required
@require_http_methods(["GET", "POST"])
def visit_schedule(request: HttpRequest, match_pk: int) -> HttpResponse:
    require_role(request.user, ORGANIZERS)
    match = get_object_or_404(matches_visible_to(request.user), pk=match_pk)
    form = _schedule_form(posted(request), match)
    if request.method == "POST" and form.is_valid():
        try:
            visit = domain.visit_schedule(match=match, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_domain_error(form, error)
        else:
            messages.success(request, _("已安排上门服务。"))
            return redirect("services:visit_detail", pk=visit.pk)
    windows = match.offering.windows.all()
    context = {"form": form, "match": match, "windows": windows}
    return render(request, "services/visits/schedule_form.html", context)


@login_required
def my_visits(request: HttpRequest) -> HttpResponse:
    require_role(request.user, VISIT_WORKERS)
    user = request.user
    mine = visits_assigned_to(user).filter(status__in=domain.PENDING).order_by("scheduled_start")
    today = timezone.localdate()
    tomorrow = today + datetime.timedelta(days=1)
    context = {
        "today": mine.filter(scheduled_start__date__lte=today),
        "upcoming": mine.filter(
            scheduled_start__date__gt=today,
            scheduled_start__date__lte=today + datetime.timedelta(days=14),
        )[:30],
        # The phone keeps these pages for reading offline (static/js/visit_queue.js).
        "offline_ids": set(
            mine.filter(scheduled_start__date__lte=tomorrow).values_list("pk", flat=True)
        ),
    }
    return render(request, "services/visits/my_visits.html", context)


@login_required
def visit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    visit = get_object_or_404(visits_visible_to(request.user).select_related("feedback"), pk=pk)
    steps = visit_open_steps(visit, request.user)
    context = {
        "visit": visit,
        # Both forms can be on the page at once (offline, see the template): distinct ids.
        "log_form": CheckOutForm(initial={"service_log": visit.service_log}, auto_id="id_out_%s"),
        "check_in_form": CheckInForm(auto_id="id_in_%s"),
        "worker_app": steps.check_in or steps.check_in_later or steps.check_out or steps.complete,
        "missed_form": MissedForm(),
        **steps.as_context(),
    }
    response = render(request, "services/visits/visit_detail.html", context)
    if steps.check_in or steps.check_out:
        allow_geolocation(response)
    return response


def _run_step(request: HttpRequest, pk: int, step, form_class=None, **fixed) -> HttpResponse:
    """POST-only worker steps: the domain decides who may; errors come back as messages."""
    visit = get_object_or_404(visits_visible_to(request.user), pk=pk)
    kwargs = dict(fixed)
    if form_class is not None:
        form = form_class(request.POST)
        if not form.is_valid():
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
            return redirect("services:visit_detail", pk=pk)
        step_arguments = getattr(form, "step_arguments", None)
        kwargs.update(step_arguments() if step_arguments else form.cleaned_data)
    try:
        step(visit=visit, actor=request.user, **kwargs)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("已保存。"))
    return redirect("services:visit_detail", pk=pk)


@login_required
@require_POST
def visit_check_in(request: HttpRequest, pk: int) -> HttpResponse:
    return _run_step(request, pk, domain.visit_check_in, CheckInForm)


@login_required
@require_POST
def visit_check_out(request: HttpRequest, pk: int) -> HttpResponse:
    return _run_step(request, pk, domain.visit_check_out, CheckOutForm)


@login_required
@require_POST
def visit_complete(request: HttpRequest, pk: int) -> HttpResponse:
    return _run_step(request, pk, domain.visit_complete, CompleteForm)


@login_required
@require_POST
def visit_missed(request: HttpRequest, pk: int) -> HttpResponse:
    return _run_step(request, pk, domain.visit_mark_missed, MissedForm)


@login_required
@require_http_methods(["GET", "POST"])
def visit_reschedule(request: HttpRequest, pk: int) -> HttpResponse:
    visit = get_object_or_404(visits_visible_to(request.user), pk=pk)
    require_role(request.user, ORGANIZERS)
    form = RescheduleForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            domain.visit_reschedule(visit=visit, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_domain_error(form, error)
        else:
            messages.success(request, _("已改期。"))
            return redirect("services:visit_detail", pk=pk)
    context = {"form": form, "visit": visit, "windows": visit.offering.windows.all()}
    return render(request, "services/visits/reschedule_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def visit_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    visit = get_object_or_404(visits_visible_to(request.user), pk=pk)
    require_role(request.user, ORGANIZERS)
    form = CancelForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            domain.visit_cancel(visit=visit, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_domain_error(form, error)
        else:
            messages.success(request, _("已取消这次上门服务。"))
            return redirect("services:visit_detail", pk=pk)
    return render(request, "services/visits/cancel_form.html", {"form": form, "visit": visit})
