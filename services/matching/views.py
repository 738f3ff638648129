"""Matching pages: staff run and confirm; organization members accept or decline."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from sanlian.job_queue import job_enqueue_after_commit
from sanlian.view_helpers import apply_domain_error
from services.matching.domain import (
    match_accept,
    match_assign_manually,
    match_confirm,
    match_decline,
)
from services.matching.forms import AssignForm, DeclineForm, MatchFilterForm, RunForm
from services.matching.jobs import matching_job_start
from services.matching.models import MatchingJob
from services.matching.queries import matches_visible_to, runs_visible_to
from services.matching.rules import (
    confirm_run_refusal,
    may_accept_match,
    may_assign_manually,
    may_confirm_match,
    may_confirm_run,
    may_decline_match,
    may_run_matching,
    may_view_inbox,
    refusal_text,
)
from services.matching.tasks import task_run_matching
from services.models import Match, MatchingRun

PAGE_SIZE = 20
UNSERVED_SHOWN = 200  # the rest are counted; the dashboard aggregates them all


def _allow(allowed: bool) -> None:
    """Wrong role answers 403; objects outside the user's scope answer 404 on lookup."""
    if not allowed:
        raise PermissionDenied


def _page(request, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


def _errors(error: ValidationError) -> str:
    return "；".join(error.messages)


@login_required
@require_http_methods(["GET", "POST"])
def run(request: HttpRequest) -> HttpResponse:
    _allow(may_run_matching(request.user))
    form = RunForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            job = matching_job_start(
                user=request.user,
                week_start=form.cleaned_data["week_start"],
                **form.cleaned_data["scope"],
            )
        except ValidationError as error:
            apply_domain_error(form, error)
        else:
            job_enqueue_after_commit(task_run_matching, job_id=job.pk)
            return _after_job(job)
    runs = _page(request, runs_visible_to(request.user))
    return render(request, "services/matching/run.html", {"form": form, "page_obj": runs})


def _after_job(job: MatchingJob) -> HttpResponse:
    """The proposals once the run is stored (at once when tasks run eagerly), else progress."""
    job.refresh_from_db()
    if job.run_id:
        return redirect("matching:run_detail", pk=job.run_id)
    return redirect("matching:job", pk=job.pk)


def _jobs_of(user):
    return MatchingJob.objects.filter(owner=user).select_related("street", "community")


@login_required
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _allow(may_run_matching(request.user))
    job = get_object_or_404(_jobs_of(request.user), pk=pk)
    if job.run_id:
        return redirect("matching:run_detail", pk=job.run_id)
    return render(request, "services/matching/job.html", {"job": job})


@login_required
def job_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress fragment htmx polls; once the run is stored, htmx goes to its proposals."""
    _allow(may_run_matching(request.user))
    job = get_object_or_404(_jobs_of(request.user), pk=pk)
    response = render(request, "services/matching/_job_progress.html", {"job": job})
    if job.run_id:
        response["HX-Redirect"] = reverse("matching:run_detail", args=[job.run_id])
    return response


@login_required
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _allow(may_run_matching(request.user))
    result = get_object_or_404(runs_visible_to(request.user), pk=pk)
    proposals = (
        matches_visible_to(request.user)
        .filter(run=result)
        .select_related("offering__service_type")
        .order_by("-score", "pk")
    )
    page = _page(request, proposals)
    may_confirm = may_confirm_run(request.user, result)
    for match in page:
        match.may_confirm = may_confirm and may_confirm_match(request.user, match)
    unserved = result.unserved.select_related(
        "request__resident__community", "request__service_type"
    ).order_by("code", "pk")
    shown = list(unserved[:UNSERVED_SHOWN])
    context = {
        "run": result,
        "page_obj": page,
        "may_confirm": may_confirm,
        "unserved": shown,
        "unserved_more": max(result.stats.get("requests", 0) - result.stats.get("served", 0)
                             - len(shown), 0),
    }  # fmt: skip
    return render(request, "services/matching/run_detail.html", context)


@login_required
@require_POST
def run_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    _allow(may_run_matching(request.user))
    result = get_object_or_404(runs_visible_to(request.user), pk=pk)
    chosen = matches_visible_to(request.user).filter(run=result, status=Match.Status.PROPOSED)
    if "all" not in request.POST:
        chosen = chosen.filter(pk__in=[v for v in request.POST.getlist("match") if v.isdigit()])
    refusal = _confirm_refusal(request.user, result, chosen, all_chosen="all" in request.POST)
    if refusal:
        messages.error(request, refusal)
        return redirect("matching:run_detail", pk=result.pk)
    confirmed, refused = 0, []
    for match in chosen.order_by("-score", "pk"):
        try:
            match_confirm(match=match, user=request.user)
            confirmed += 1
        except ValidationError as error:
            refused.append(f"{match.request.resident.name}：{_errors(error)}")
    messages.success(request, _("已确认 %(count)d 条匹配。") % {"count": confirmed})
    for line in refused:
        messages.warning(request, line)
    return redirect("matching:run_detail", pk=result.pk)


def _confirm_refusal(user, result: MatchingRun, chosen, *, all_chosen: bool) -> str:
    """Why nothing of the run can be confirmed, or "" when the chosen proposals may go on."""
    if refusal := confirm_run_refusal(user, result):
        return refusal_text(refusal)
    if not chosen.exists():
        if all_chosen:
            return _("没有待确认的匹配建议。")
        return _("请至少勾选一条匹配建议再确认。")
    return ""


@login_required
def match_list(request: HttpRequest) -> HttpResponse:
    _allow(may_run_matching(request.user))
    form = MatchFilterForm(request.GET or None)
    matches = matches_visible_to(request.user).exclude(status__in=("proposed", "withdrawn"))
    if form.is_valid():
        if form.cleaned_data["q"]:
            matches = matches.filter(request__resident__name__contains=form.cleaned_data["q"])
        if form.cleaned_data["status"]:
            matches = matches.filter(status=form.cleaned_data["status"])
    matches = matches.select_related("offering__service_type")
    context = {"form": form, "page_obj": _page(request, matches)}
    return render(request, "services/matching/list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def assign(request: HttpRequest) -> HttpResponse:
    _allow(may_assign_manually(request.user))
    form = AssignForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            match_assign_manually(user=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_domain_error(form, error)
        else:
            messages.success(request, _("已手工指派，等待社会组织答复。"))
            return redirect("matching:list")
    return render(request, "services/matching/assign.html", {"form": form})


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    _allow(may_view_inbox(request.user))
    waiting = request.GET.get("show") != "answered"
    matches = (
        matches_visible_to(request.user)
        .select_related("offering__service_type")
        .prefetch_related("offering__organization__members")
    )
    if waiting:
        matches = matches.filter(status=Match.Status.CONFIRMED).order_by("expires_at", "pk")
    else:
        matches = matches.exclude(status=Match.Status.CONFIRMED)
    page = _page(request, matches)
    for match in page:
        match.may_accept = may_accept_match(request.user, match)
        match.may_decline = may_decline_match(request.user, match)
    context = {"page_obj": page, "waiting": waiting}
    return render(request, "services/matching/inbox.html", context)


@login_required
@require_POST
def accept(request: HttpRequest, pk: int) -> HttpResponse:
    _allow(may_view_inbox(request.user))
    match = get_object_or_404(matches_visible_to(request.user), pk=pk)
    try:
        match_accept(match=match, user=request.user)
        schedule = reverse("services:visit_schedule", args=[match.pk])
        # The next step is on another page (the visit list's "to schedule"); say where.
        messages.success(
            request,
            format_html(
                '{} <a class="alert-link" href="{}">{}</a>',
                _("已接受该匹配。"),
                schedule,
                _("现在安排上门时间和人员"),
            ),
        )
    except ValidationError as error:
        messages.error(request, _errors(error))
    return redirect("matching:inbox")


@login_required
@require_POST
def decline(request: HttpRequest, pk: int) -> HttpResponse:
    _allow(may_view_inbox(request.user))
    match = get_object_or_404(matches_visible_to(request.user), pk=pk)
    form = DeclineForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请说明拒绝原因。"))
        return redirect("matching:inbox")
    try:
        match_decline(match=match, user=request.user, reason=form.cleaned_data["reason"])
        messages.success(request, _("已拒绝，名额已释放。"))
    except ValidationError as error:
        messages.error(request, _errors(error))
    return redirect("matching:inbox")
