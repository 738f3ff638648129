"""Staff pages for one resident's data: detail (masked), reveal, access export, correction,
withdrawal of consent and anonymisation. Scope: `residents_visible_to`, so out of scope is 404."""

import io
import json

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from communities import rules
from communities.forms_privacy import (
    CorrectionForm,
    ExportForm,
    ReasonForm,
    ResidentSearchForm,
    RevealForm,
)
from communities.privacy import (
    REVEALABLE,
    anonymise_due_on,
    consent_current,
    consent_withdraw,
    resident_anonymise,
    resident_correct,
    resident_export,
    resident_history,
    resident_reveal,
    resident_view_log,
)
from communities.queries import residents_visible_to
from sanlian.client_address import client_address
from sanlian.spreadsheet_safety import SafeCsvWriter
from sanlian.view_helpers import apply_domain_error, paginate, predicate_required


def _resident(request: HttpRequest, pk: int):
    return get_object_or_404(residents_visible_to(request.user), pk=pk)


@predicate_required(rules.may_view_resident)
def resident_list(request: HttpRequest) -> HttpResponse:
    form = ResidentSearchForm(request.GET or None)
    residents = residents_visible_to(request.user).order_by("name", "pk")
    if form.is_valid() and form.cleaned_data["q"]:
        residents = residents.filter(name__contains=form.cleaned_data["q"])
    context = {"form": form, "page_obj": paginate(request, residents)}
    return render(request, "communities/resident_list.html", context)


@predicate_required(rules.may_view_resident)
def resident_detail(request: HttpRequest, pk: int) -> HttpResponse:
    resident = _resident(request, pk)
    resident_view_log(actor=request.user, resident=resident, client_address=client_address(request))
    context = {
        "resident": resident,
        "consent": consent_current(resident),
        "anonymise_due": anonymise_due_on(resident),
        "history": resident_history(resident=resident)[:20],
        "may": _resident_actions(request.user, resident),
        "reveal_form": RevealForm(),
        "export_form": ExportForm(),
    }
    return render(request, "communities/resident_detail.html", context)


def _resident_actions(user, resident) -> dict[str, bool]:
    return {
        "reveal": rules.may_reveal_resident(user, resident),
        "export": rules.may_export_resident(user, resident),
        "correct": rules.may_correct_resident(user, resident),
        "withdraw_consent": rules.may_withdraw_consent(user, resident),
        "anonymise": rules.may_anonymise(user, resident),
    }


@predicate_required(rules.may_reveal_resident)
@require_POST
def resident_reveal_view(request: HttpRequest, pk: int) -> HttpResponse:
    resident = _resident(request, pk)
    form = RevealForm(request.POST)
    value = None
    if form.is_valid():
        try:
            value = resident_reveal(
                actor=request.user,
                resident=resident,
                client_address=client_address(request),
                **form.cleaned_data,
            )
        except ValidationError as error:
            apply_domain_error(form, error)
    context = {
        "resident": resident,
        "form": form,
        "value": value,
        "label": REVEALABLE.get(form.cleaned_data.get("field", "")) if value is not None else "",
    }
    return render(request, "communities/resident_reveal.html", context, status=200)


def _csv(data: dict) -> str:
    out = io.StringIO()
    writer = SafeCsvWriter(out)
    writer.writerow(["section", "row", "field", "value"])
    for section, content in data.items():
        rows = [content] if isinstance(content, dict) else content
        for number, row in enumerate(rows, start=1):
            for field, value in row.items():
                writer.writerow([section, number, field, json.dumps(value, ensure_ascii=False)])
    return out.getvalue()


@predicate_required(rules.may_export_resident)
@require_http_methods(["GET", "POST"])
def resident_export_view(request: HttpRequest, pk: int) -> HttpResponse:
    resident = _resident(request, pk)
    form = ExportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            data = resident_export(
                actor=request.user,
                resident=resident,
                purpose=form.cleaned_data["purpose"],
                client_address=client_address(request),
            )
        except ValidationError as error:
            apply_domain_error(form, error)
        else:
            return _download(data, kind=form.cleaned_data["format"], pk=resident.pk)
    return render(request, "communities/resident_export.html", {"resident": resident, "form": form})


def _download(data: dict, *, kind: str, pk: int) -> HttpResponse:
    stamp = timezone.localtime().strftime("%Y%m%d%H%M")
    if kind == "csv":
        response = HttpResponse(_csv(data), content_type="text/csv; charset=utf-8")
    else:
        body = json.dumps(data, ensure_ascii=False, indent=2)
        response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="resident-{pk}-{stamp}.{kind}"'
    response["Cache-Control"] = "no-store"
    return response


@predicate_required(rules.may_correct_resident)
@require_http_methods(["GET", "POST"])
def resident_edit(request: HttpRequest, pk: int) -> HttpResponse:
    resident = _resident(request, pk)
    form = CorrectionForm(request.POST or None, instance=resident)
    if request.method == "POST" and form.is_valid():
        try:
            resident_correct(
                actor=request.user,
                resident=resident,
                reason=form.cleaned_data["reason"],
                **form.changes(),
            )
        except ValidationError as error:
            apply_domain_error(form, error)
        else:
            messages.success(request, _("已更正，修改已记入历史记录。"))
            return redirect("communities:resident_detail", pk=resident.pk)
    return render(request, "communities/resident_edit.html", {"resident": resident, "form": form})


def _confirm_page(request, pk: int, *, step, template: str, done: str) -> HttpResponse:
    resident = _resident(request, pk)
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            step(actor=request.user, resident=resident, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            apply_domain_error(form, error)
        else:
            messages.success(request, done)
            return redirect("communities:resident_detail", pk=resident.pk)
    return render(request, template, {"resident": resident, "form": form})


@predicate_required(rules.may_withdraw_consent)
@require_http_methods(["GET", "POST"])
def resident_consent_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    return _confirm_page(
        request,
        pk,
        step=consent_withdraw,
        template="communities/resident_consent_withdraw.html",
        done=_("已撤回知情同意：不再登记新的服务，宽限期满后自动匿名化。"),
    )


@predicate_required(rules.may_anonymise)
@require_http_methods(["GET", "POST"])
def resident_anonymise_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _confirm_page(
        request,
        pk,
        step=resident_anonymise,
        template="communities/resident_anonymise.html",
        done=_("已匿名化该居民的个人信息。"),
    )
