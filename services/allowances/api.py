"""API v1, read-only, for monetary elderly care: care accounts, ledger entries, statements.

The same scoped queries as the pages decide what each caller sees (out of scope → 404).
Money is in fen (integers), as stored.
"""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.decorators import action

from sanlian.api.filters import ApiFilterSet, IdFilter
from sanlian.api.language import StoredTextField
from services.allowances.queries import (
    care_accounts_visible_to,
    ledger_entries_visible_to,
    settlement_lines_visible_to,
    settlements_visible_to,
)
from services.models import CareAccount, LedgerEntry, SettlementLine, SettlementStatement


class CareAccountSerializer(serializers.ModelSerializer):
    resident_name = serializers.CharField(source="resident.name", read_only=True)
    community = serializers.IntegerField(source="resident.community_id", read_only=True)

    class Meta:
        model = CareAccount
        fields = ["id", "resident", "resident_name", "community", "balance_fen", "opened_at"]


class LedgerEntrySerializer(serializers.ModelSerializer):
    actor = serializers.SerializerMethodField(help_text="The user's name, or null for the system.")
    reason = StoredTextField(
        facts="reason_facts",
        text="reason",
        help_text="Why the entry was booked, in the language of Accept-Language (zh-hans, "
        "en; else the user's). A person's own words (a correction's reason) stay as written.",
    )

    class Meta:
        model = LedgerEntry
        fields = [
            "id",
            "account",
            "kind",
            "amount_fen",
            "copay_fen",
            "rule",
            "month",
            "visit",
            "reverses",
            "actor",
            "reason",
            "created_at",
        ]

    def get_actor(self, entry) -> str | None:
        return str(entry.actor) if entry.actor_id else None


class SettlementLineSerializer(serializers.ModelSerializer):
    resident_name = serializers.CharField(source="resident.name", read_only=True)

    class Meta:
        model = SettlementLine
        fields = [
            "visit",
            "resident",
            "resident_name",
            "community",
            "street",
            "service_type_name",
            "served_on",
            "price_class",
            "price_fen",
            "allowance_fen",
            "copay_fen",
        ]


class SettlementStatementSerializer(serializers.ModelSerializer):
    organization_name = serializers.CharField(source="organization.name", read_only=True)

    class Meta:
        model = SettlementStatement
        fields = [
            "id",
            "organization",
            "organization_name",
            "month",
            "status",
            "visit_count",
            "allowance_total_fen",
            "copay_total_fen",
            "generated_at",
            "approved_at",
        ]


class CareAccountFilter(ApiFilterSet):
    community = IdFilter(field_name="resident__community")
    street = IdFilter(field_name="resident__community__street")

    class Meta:
        model = CareAccount
        fields = ["resident", "community", "street"]


@extend_schema_view(
    list=extend_schema(description="Care allowance accounts you may see, with balances in fen."),
    retrieve=extend_schema(description="One care allowance account."),
)
class CareAccountViewSet(viewsets.ReadOnlyModelViewSet):
    """货币养老 accounts: staff see their area, residents and family their own."""

    serializer_class = CareAccountSerializer
    filterset_class = CareAccountFilter
    search_fields = ["resident__name"]
    ordering_fields = ["balance_fen", "opened_at"]

    def get_queryset(self):
        return care_accounts_visible_to(self.request.user)


@extend_schema_view(
    list=extend_schema(
        description="Ledger entries of the accounts you may see (credit, visit debit, "
        "co-payment, correction); amounts in fen."
    ),
    retrieve=extend_schema(description="One ledger entry."),
)
class LedgerEntryViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = LedgerEntrySerializer
    filterset_fields = ["account", "kind", "month", "visit"]
    ordering_fields = ["created_at", "amount_fen"]

    def get_queryset(self):
        return ledger_entries_visible_to(self.request.user)


@extend_schema_view(
    list=extend_schema(description="Monthly settlement statements you may see."),
    retrieve=extend_schema(description="One statement with its totals (fen)."),
    lines=extend_schema(
        description="The statement's verified visits (street and community staff: the lines "
        "of their area's residents only).",
        responses=SettlementLineSerializer(many=True),
    ),
)
class SettlementStatementViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = SettlementStatementSerializer
    filterset_fields = ["organization", "month", "status"]
    search_fields = ["organization__name"]
    ordering_fields = ["month", "allowance_total_fen"]

    def get_queryset(self):
        return settlements_visible_to(self.request.user)

    @action(detail=True, methods=["get"], filter_backends=[])
    def lines(self, request, pk=None):
        lines = settlement_lines_visible_to(request.user, statement=self.get_object())
        page = self.paginate_queryset(lines)
        return self.get_paginated_response(SettlementLineSerializer(page, many=True).data)
