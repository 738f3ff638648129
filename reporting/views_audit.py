"""Search pages over the change history and the access log of sensitive reads."""

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from reporting import rules
from reporting.audit_display import audit_change_rows
from reporting.audit_queries import access_logs_search, audit_entries_search
from sanlian.forms import FilterForm
from sanlian.models import AccessLog
from sanlian.view_helpers import paginate, predicate_required
from sanlian.widgets import DateInput

OBJECT_TYPES = [
    ("", _("全部")),
    ("communities.resident", _("老年居民")),
    ("organizations.organization", _("社会组织")),
    ("organizations.agreement", _("入驻协议")),
    ("services.serviceoffering", _("服务项目")),
    ("services.servicerequest", _("服务需求")),
    ("services.match", _("匹配")),
    ("services.visit", _("上门服务")),
]


class _SearchForm(FilterForm):
    actor = forms.CharField(label=_("操作人"), required=False)
    date_from = forms.DateField(label=_("起始日期"), required=False, widget=DateInput())
    date_to = forms.DateField(label=_("截止日期"), required=False, widget=DateInput())
    text = forms.CharField(label=_("关键词"), required=False)


class AuditSearchForm(_SearchForm):
    object_type = forms.ChoiceField(label=_("对象类型"), choices=OBJECT_TYPES, required=False)


class AccessSearchForm(_SearchForm):
    kind = forms.ChoiceField(
        label=_("类型"), choices=[("", _("全部")), *AccessLog.Kind.choices], required=False
    )


def _filters(form: forms.Form) -> dict:
    return {k: v for k, v in form.cleaned_data.items() if v} if form.is_valid() else {}


@predicate_required(rules.may_view_audit)
def audit_list(request: HttpRequest) -> HttpResponse:
    form = AuditSearchForm(request.GET or None)
    page = paginate(request, audit_entries_search(request.user, **_filters(form)))
    for entry in page:
        entry.change_rows = audit_change_rows(entry)
    context = {"form": form, "page_obj": page}
    return render(request, "audit/audit_list.html", context)


@predicate_required(rules.may_view_audit)
def access_log_list(request: HttpRequest) -> HttpResponse:
    form = AccessSearchForm(request.GET or None)
    logs = access_logs_search(request.user, **_filters(form))
    context = {"form": form, "page_obj": paginate(request, logs)}
    return render(request, "audit/access_log_list.html", context)
