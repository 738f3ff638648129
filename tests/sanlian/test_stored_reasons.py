"""The portal's own words in the history and the allowance ledger are kept as facts and read
in the reader's language; a person's own words are shown as written."""

import importlib

from django.apps import apps
from django.utils import timezone, translation
from django.utils.translation import gettext_noop

from sanlian import stored_text
from sanlian.audit import audit_record
from sanlian.models import AuditEntry
from services.allowances.domain import visit_charge
from services.matching.domain import matches_withdraw_proposed
from services.models import LedgerEntry, Match
from tests import factories as f
from tests.services._allowances_support import done_visit


def _page(client, user, url, language):
    client.force_login(user)
    client.cookies["django_language"] = language
    return client.get(url).content.decode()


def test_audit_reason_written_in_english_mode_is_kept_as_facts_in_chinese(client, cast):
    statement = f.SettlementStatementFactory(organization=cast.organization)
    with translation.override("en"):  # the person acting reads English
        entry = audit_record(
            actor=cast.civil,
            instance=statement,
            action="status",
            reason=stored_text.text(gettext_noop("审核结算单")),
        )
    assert entry.reason == "审核结算单"
    assert entry.reason_facts == {"t": "审核结算单", "p": {}}
    audit_record(actor=cast.civil, instance=statement, action="change", reason="金额核对无误")
    english = _page(client, cast.civil, "/audit/", "en")
    assert "Approve statement" in english and "审核结算单" not in english
    assert "金额核对无误" in english  # a person's words are not translated
    chinese = _page(client, cast.civil, "/audit/", "zh-hans")
    assert "审核结算单" in chinese and "Approve statement" not in chinese


def test_withdrawn_proposals_keep_the_reason_as_facts(cast):
    match = f.MatchFactory(request=f.ServiceRequestFactory(resident=cast.resident))
    matches_withdraw_proposed(
        matches=Match.objects.filter(pk=match.pk),
        actor=cast.civil,
        reason=stored_text.text(gettext_noop("重新匹配")),
    )
    entry = AuditEntry.objects.get(object_type="services.match", object_id=str(match.pk))
    assert entry.reason == "重新匹配"
    with translation.override("en"):
        assert entry.shown_reason == "Re-matched"


def test_migration_gives_older_fixed_reasons_their_facts_and_leaves_peoples_words(cast):
    statement = f.SettlementStatementFactory(organization=cast.organization)
    fixed = audit_record(actor=None, instance=statement, action="change", reason="生成结算单")
    own = audit_record(actor=None, instance=statement, action="change", reason="生成结算单吗")
    AuditEntry.objects.filter(pk__in=[fixed.pk, own.pk]).update(reason_facts=None)
    migration = importlib.import_module(
        "sanlian.migrations.0011_user_language_and_audit_reason_facts"
    )
    migration.reasons_to_facts(apps, None)
    fixed.refresh_from_db()
    own.refresh_from_db()
    assert fixed.reason_facts == {"t": "生成结算单", "p": {}} and own.reason_facts is None
    migration.facts_to_reasons(apps, None)
    fixed.refresh_from_db()
    assert fixed.reason_facts is None and fixed.reason == "生成结算单"


def test_ledger_charge_reads_in_each_language(client, cast):
    visit = done_visit(resident=cast.resident, organization=cast.organization)
    with translation.override("en"):  # the worker completing the visit reads English
        (debit,) = visit_charge(visit=visit)
    day = f"{timezone.localtime(visit.checked_out_at):%Y-%m-%d}"
    service = visit.request.service_type.name
    assert debit.reason == f"{day} 上门服务：{service}"  # the Chinese text, for exports
    url = f"/allowances/accounts/{debit.account_id}/"
    english = _page(client, cast.civil, url, "en")
    assert f"Visit on {day}: {service}" in english
    assert "上门服务：" not in english
    chinese = _page(client, cast.civil, url, "zh-hans")
    assert debit.reason in chinese


def test_ledger_migration_reads_the_old_wording_into_facts(cast):
    visit = done_visit(resident=cast.resident, organization=cast.organization)
    (debit,) = visit_charge(visit=visit)
    day = debit.reason_facts["p"]["day"]
    LedgerEntry.objects.filter(pk=debit.pk).update(reason=f"理发 {day}", reason_facts=None)
    migration = importlib.import_module("services.migrations.0018_ledger_entry_reason_facts")
    migration.reasons_to_facts(apps, None)
    debit.refresh_from_db()
    assert debit.reason_facts == {
        "t": "%(day)s 上门服务：%(service)s",
        "p": {"service": "理发", "day": day},
    }
    with translation.override("en"):
        assert debit.shown_reason == f"Visit on {day}: 理发"
