"""Pages of monetary elderly care: allowance rules, care accounts, monthly settlement."""

import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from communities.queries import communities_visible_to
from organizations.queries import membership_of, organizations_visible_to
from sanlian.audit import audit_record
from sanlian.roles import (
    CITY_STAFF,
    LOCAL_STAFF,
    ORGANIZERS,
    RESIDENT_SIDE,
    STAFF,
    SUPERVISORS,
)
from sanlian.spreadsheet_safety import SafeCsvWriter, spreadsheet_row
from sanlian.view_helpers import apply_domain_error, paginate, posted, require_role
from services.allowances.domain import allowance_rule_save, ledger_entry_reverse
from services.allowances.forms import (
    AccountFilterForm,
    AllowanceRuleForm,
    ReverseForm,
    StatementFilterForm,
    StatementGenerateForm,
    TotalsForm,
)
from services.allowances.models import yuan
from services.allowances.queries import (
    care_accounts_visible_to,
    ledger_entries_visible_to,
    settlement_latest_month,
    settlement_lines_visible_to,
    settlement_totals_by_area,
    settlements_visible_to,
)
from services.allowances.rules import (
    entry_correction_refusal,
    may_approve_statement,
    may_edit_allowance_rule,
    may_generate_statement,
    may_regenerate_statement,
    may_reverse_entries,
)
from services.allowances.settlements import (
    settlement_approve,
    settlement_generate,
)
from services.care.verification import verification_label
from services.models import AllowanceRule

# --- allowance rules (civil affairs edits, other staff read) -------------------------------


@login_required
def rule_list(request: HttpRequest) -> HttpResponse:
    require_role(request.user, STAFF)
    rules = AllowanceRule.objects.select_related("district", "community")
    search = request.GET.get("q", "").strip()
    if search:
        rules = rules.filter(name__icontains=search)
    context = {
        "page_obj": paginate(request, rules),
        "q": search,
        "may_edit": may_edit_allowance_rule(request.user),
    }
    return render(request, "services/allowances/rule_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def rule_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    if not may_edit_allowance_rule(request.user):
        raise PermissionDenied
    rule = get_object_or_404(AllowanceRule, pk=pk) if pk else AllowanceRule()
    form = AllowanceRuleForm(posted(request), instance=rule)
    if request.method == "POST" and form.is_valid():
        try:
            allowance_rule_save(rule=form.instance, actor=request.user)
        except ValidationError as error:
            apply_domain_error(form, error)
        else:
            messages.success(request, _("补贴规则已保存。"))
            return redirect("allowances:rule_list")
    return render(request, "services/allowances/rule_form.html", {"form": form, "rule": rule})


# --- care accounts -------------------------------------------------------------------------


@login_required
def account_list(request: HttpRequest) -> HttpResponse:
    require_role(request.user, STAFF)
    form = AccountFilterForm(request.GET or None, communities=communities_visible_to(request.user))
    accounts = care_accounts_visible_to(request.user)
    if form.is_valid():
        if form.cleaned_data["q"]:
            accounts = accounts.filter(resident__name__icontains=form.cleaned_data["q"])
        if form.cleaned_data["community"]:
            accounts = accounts.filter(resident__community=form.cleaned_data["community"])
    context = {"form": form, "page_obj": paginate(request, accounts)}
    return render(request, "services/allowances/account_list.html", context)


@login_required
def account_detail(request: HttpRequest, pk: int) -> HttpResponse:
    account = get_object_or_404(care_accounts_visible_to(request.user), pk=pk)
    entries = ledger_entries_visible_to(request.user).filter(account=account)
    resident_side = request.user.role in RESIDENT_SIDE
    page = paginate(request, entries.prefetch_related("reversals"))
    can_correct = may_reverse_entries(request.user)
    context = {
        "account": account,
        "page_obj": page,
        "can_correct": can_correct,
        # The page's entries are in the user's scope already: only their state is left.
        "correctable": {e.pk for e in page if can_correct and entry_correction_refusal(e) is None},
        "resident_side": resident_side,
    }
    template = "my_account.html" if resident_side else "account_detail.html"
    return render(request, f"services/allowances/{template}", context)


@login_required
def my_account(request: HttpRequest) -> HttpResponse:
    require_role(request.user, RESIDENT_SIDE)
    accounts = list(care_accounts_visible_to(request.user))
    if len(accounts) == 1:
        return account_detail(request, accounts[0].pk)
    return render(request, "services/allowances/my_accounts.html", {"accounts": accounts})


@login_required
@require_http_methods(["GET", "POST"])
def entry_reverse(request: HttpRequest, pk: int) -> HttpResponse:
    entry = get_object_or_404(ledger_entries_visible_to(request.user), pk=pk)
    if not may_reverse_entries(request.user):
        raise PermissionDenied
    form = ReverseForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            ledger_entry_reverse(
                entry=entry, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            apply_domain_error(form, error)
        else:
            messages.success(request, _("已登记更正。"))
            return redirect("allowances:account_detail", pk=entry.account_id)
    return render(request, "services/allowances/reverse_form.html", {"form": form, "entry": entry})


# --- settlement statements -----------------------------------------------------------------


def _chooses_organization(user) -> bool:
    """The city generates for any organization and picks it; a member's is their own."""
    return user.role in CITY_STAFF


def _generate_form(request: HttpRequest, data=None) -> StatementGenerateForm:
    organizations = None
    if _chooses_organization(request.user):
        organizations = organizations_visible_to(request.user).filter(status="approved")
    return StatementGenerateForm(data, organizations=organizations)


@login_required
def statement_list(request: HttpRequest) -> HttpResponse:
    require_role(request.user, ORGANIZERS)
    form = StatementFilterForm(request.GET or None)
    statements = settlements_visible_to(request.user)
    if form.is_valid():
        if form.cleaned_data["month"]:
            statements = statements.filter(month=form.cleaned_data["month"].replace(day=1))
        if form.cleaned_data["status"]:
            statements = statements.filter(status=form.cleaned_data["status"])
    may_generate = may_generate_statement(request.user)
    context = {
        "form": form,
        "page_obj": paginate(request, statements),
        "generate_form": _generate_form(request) if may_generate else None,
    }
    return render(request, "services/allowances/statement_list.html", context)


@login_required
@require_POST
def statement_generate(request: HttpRequest) -> HttpResponse:
    if not may_generate_statement(request.user):
        raise PermissionDenied
    form = _generate_form(request, request.POST)
    membership = membership_of(request.user)
    if form.is_valid():
        organization = form.cleaned_data.get("organization") or getattr(
            membership, "organization", None
        )
        try:
            statement = settlement_generate(
                organization=organization, month=form.cleaned_data["month"], actor=request.user
            )
        except ValidationError as error:
            apply_domain_error(form, error)
        else:
            messages.success(request, _("结算单已生成。"))
            return redirect("allowances:statement_detail", pk=statement.pk)
    context = {
        "form": StatementFilterForm(),
        "page_obj": paginate(request, []),
        "generate_form": form,
    }
    return render(request, "services/allowances/statement_list.html", context, status=400)


@login_required
def statement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    statement = get_object_or_404(settlements_visible_to(request.user), pk=pk)
    lines = settlement_lines_visible_to(request.user, statement=statement)
    context = {
        "statement": statement,
        "page_obj": paginate(request, lines),
        "partial": request.user.role in LOCAL_STAFF,
        "may_approve": may_approve_statement(request.user, statement),
        "may_regenerate": may_regenerate_statement(request.user, statement),
        "choose_organization": _chooses_organization(request.user),
    }
    return render(request, "services/allowances/statement_detail.html", context)


@login_required
@require_POST
def statement_approve(request: HttpRequest, pk: int) -> HttpResponse:
    statement = get_object_or_404(settlements_visible_to(request.user), pk=pk)
    require_role(request.user, SUPERVISORS)
    try:
        settlement_approve(statement=statement, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("结算单已审核通过，已锁定。"))
    return redirect("allowances:statement_detail", pk=statement.pk)


EXPORT_HEADER = (
    gettext_lazy("服务日期"),
    gettext_lazy("居民"),
    gettext_lazy("社区"),
    gettext_lazy("街道"),
    gettext_lazy("服务"),
    gettext_lazy("收费类型"),
    gettext_lazy("单价（元）"),
    gettext_lazy("补贴支付（元）"),
    gettext_lazy("个人自付（元）"),
    gettext_lazy("核验"),
)


def _export_rows(lines) -> list[tuple]:
    return [
        (
            f"{line.served_on:%Y-%m-%d}",
            line.resident.name,
            line.community.name,
            line.street.name,
            line.service_type_name,
            line.get_price_class_display(),
            yuan(line.price_fen),
            line.allowance_yuan,
            line.copay_yuan,
            verification_label(line.visit),
        )
        for line in lines
    ]


def _xlsx(rows: list[tuple], title: str) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title[:31]
    sheet.append(spreadsheet_row(str(column) for column in EXPORT_HEADER))
    for row in rows:
        # Money as numbers so the bureau's spreadsheet can add them up.
        money = (float(value) for value in row[6:9])
        sheet.append(spreadsheet_row([*row[:6], *money, *row[9:]]))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@login_required
def statement_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    statement = get_object_or_404(settlements_visible_to(request.user), pk=pk)
    rows = _export_rows(settlement_lines_visible_to(request.user, statement=statement))
    filename = f"settlement-{statement.organization_id}-{statement.month:%Y-%m}.{fmt}"
    audit_record(actor=request.user, instance=statement, action="export", reason=fmt)
    if fmt == "xlsx":
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        response = HttpResponse(_xlsx(rows, f"{statement.month:%Y-%m}"), content_type=content_type)
    else:
        text = io.StringIO()
        writer = SafeCsvWriter(text)
        writer.writerow([str(column) for column in EXPORT_HEADER])
        writer.writerows(rows)
        # The BOM makes Excel on Chinese Windows open UTF-8 correctly.
        response = HttpResponse("\ufeff" + text.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
def area_totals(request: HttpRequest) -> HttpResponse:
    require_role(request.user, CITY_STAFF)
    form = TotalsForm(request.GET or None)
    # Opened without a month: the last month with statements, not an empty running one.
    month = form.month_or_default(settlement_latest_month())
    if not form.is_bound:
        form = TotalsForm(initial={"month": month})
    approved_only = form.is_valid() and form.cleaned_data["approved_only"]
    totals = settlement_totals_by_area(month=month, approved_only=approved_only)
    for row in [*totals["streets"], *totals["districts"], totals["city"]]:
        row["allowance_yuan"], row["copay_yuan"] = (
            yuan(row["allowance_fen"]),
            yuan(row["copay_fen"]),
        )
    context = {"form": form, "month": month, **totals}
    return render(request, "services/allowances/area_totals.html", context)
