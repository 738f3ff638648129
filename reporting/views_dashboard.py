"""Dashboard and export pages: thin adapters over reporting.dashboards and reporting.exports."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from communities.models import PilotBatch
from reporting import rules
from reporting.dashboards import chart_data, dashboard_for, default_place
from reporting.exports import (
    PERSONAL_KINDS,
    export_csv_lines,
    export_file_name,
    export_job_path,
    export_jobs_of,
    export_start,
    kinds_for,
)
from reporting.models import ExportJob
from reporting.sections import sections_for
from reporting.tasks import task_build_export
from sanlian.bounds import validate_report_date
from sanlian.forms import FilterForm
from sanlian.job_queue import job_enqueue_after_commit
from sanlian.widgets import DateInput

COMMUNITY_PAGE_SIZE = 25


class DashboardFilterForm(FilterForm):
    """The same filters as /api/v1/stats/, plus the place being drilled into."""

    district = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    street = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    community = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    pilot_batch = forms.ChoiceField(
        label=_("试点批次"),
        required=False,
        choices=[("", _("全部社区"))] + [c for c in PilotBatch.choices if c[0]],
    )
    date_from = forms.DateField(
        label=_("开始日期"),
        required=False,
        widget=DateInput(),
        validators=[validate_report_date],
    )
    date_to = forms.DateField(
        label=_("结束日期"),
        required=False,
        widget=DateInput(),
        validators=[validate_report_date],
    )

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("结束日期不能早于开始日期。"))
        return cleaned


def _place_given(data) -> bool:
    return any(data.get(name) for name in ("district", "street", "community"))


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    if not rules.may_view_dashboard(request.user):
        raise PermissionDenied
    data = request.GET.copy()
    if not _place_given(data):
        data.update(default_place(request.user))
    form = DashboardFilterForm(data)
    filters = form.cleaned_data if form.is_valid() else _places_only(form)
    board = dashboard_for(request.user, **filters)
    communities = Paginator(board.communities, COMMUNITY_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {
        "board": board,
        "form": form,
        "charts": chart_data(board),
        "chart_text": _chart_text(),
        "page_obj": communities,
        "sections": sections_for(request.user, board),
    }
    return render(request, "dashboard/dashboard.html", context)


def _places_only(form: DashboardFilterForm) -> dict:
    """With a bad date the page still shows figures (unfiltered) beside the error."""
    return {name: form.cleaned_data.get(name) for name in ("district", "street", "community")}


def _chart_text() -> dict:
    return {
        "workers": str(_("每社区社工")),
        "facility": str(_("每百户设施面积（㎡）")),
        "target": str(_("目标")),
        "requests": str(_("服务需求")),
        "visits": str(_("完成服务")),
        "rating": str(_("平均满意度")),
        "count": str(_("数量")),
    }


# --- exports ---------------------------------------------------------------------------


class ExportForm(forms.Form):
    kind = forms.ChoiceField(label=_("导出内容"), choices=ExportJob.Kind.choices)
    file_format = forms.ChoiceField(
        label=_("文件格式"),
        choices=ExportJob.Format.choices,
        initial=ExportJob.Format.CSV,
        widget=forms.RadioSelect,
    )
    purpose = forms.CharField(
        label=_("用途"),
        required=False,
        max_length=200,
        help_text=_("导出居民个人信息（居民、需求、上门服务）时必须填写用途。"),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        allowed = kinds_for(user)
        self.fields["kind"].choices = [c for c in ExportJob.Kind.choices if c[0] in allowed]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("kind") in PERSONAL_KINDS and not cleaned.get("purpose", "").strip():
            self.add_error("purpose", _("请填写导出个人信息的用途。"))
        return cleaned


def _require_exporter(user) -> None:
    if not rules.may_export(user):
        raise PermissionDenied


@login_required
@require_http_methods(["GET", "POST"])
def export_index(request: HttpRequest) -> HttpResponse:
    _require_exporter(request.user)
    initial = {"kind": request.GET.get("kind")} if request.GET.get("kind") else None
    form = ExportForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        job = export_start(user=request.user, **form.cleaned_data)
        if job.status == ExportJob.Status.DONE:
            return _csv_response(request.user, job)
        job_enqueue_after_commit(task_build_export, job_id=job.pk)
        return redirect("exports:job", pk=job.pk)
    jobs = Paginator(export_jobs_of(request.user), 20).get_page(request.GET.get("page"))
    return render(request, "exports/index.html", {"form": form, "page_obj": jobs})


def _csv_response(user, job: ExportJob) -> StreamingHttpResponse:
    response = StreamingHttpResponse(
        export_csv_lines(user=user, kind=job.kind), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=export_file_name(job)
    )
    return response


@login_required
def export_job(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_object_or_404(export_jobs_of(request.user), pk=pk)
    return render(request, "exports/job.html", {"job": job})


@login_required
def export_job_progress(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_object_or_404(export_jobs_of(request.user), pk=pk)
    return render(request, "exports/_progress.html", {"job": job})


@login_required
def export_download(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_object_or_404(export_jobs_of(request.user), pk=pk)
    if job.expired_at:
        # The owner's own job, only its file is gone: say so, and offer to export again.
        return render(request, "exports/job.html", {"job": job}, status=410)
    path = export_job_path(job)
    if path is None:
        raise Http404
    return FileResponse(path.open("rb"), as_attachment=True, filename=export_file_name(job))
