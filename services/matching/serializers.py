from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiSerializerExtension
from rest_framework import serializers

from communities.models import Community, Street
from sanlian.api.inputs import StrictTextField
from sanlian.api.language import StoredTextField
from services.matching.models import MatchingJob
from services.models import (
    Match,
)
from services.offerings.models import week_start_of


class MatchSerializer(serializers.ModelSerializer):
    resident_name = serializers.CharField(source="request.resident.name", read_only=True)
    community = serializers.IntegerField(source="request.resident.community_id", read_only=True)
    service_type_name = serializers.CharField(source="request.service_type.name", read_only=True)
    organization = serializers.IntegerField(source="offering.organization_id", read_only=True)
    organization_name = serializers.CharField(source="offering.organization.name", read_only=True)
    reason = StoredTextField(
        facts="reason_facts",
        text="reason",
        help_text="Why this match, in the language of Accept-Language (zh-hans, en; else "
        "the user's).",
    )

    class Meta:
        model = Match
        fields = [
            "id",
            "request",
            "resident_name",
            "community",
            "service_type_name",
            "offering",
            "organization",
            "organization_name",
            "week_start",
            "score",
            "distance_km",
            "reason",
            "status",
            "proposed_at",
            "confirmed_at",
            "expires_at",
            "responded_at",
            "response_note",
        ]
        read_only_fields = fields


class DeclineSerializer(serializers.Serializer):
    reason = StrictTextField(max_length=200)


class MatchingJobSerializer(serializers.ModelSerializer):
    city_wide = serializers.BooleanField(read_only=True)
    scope_name = serializers.CharField(read_only=True)

    class Meta:
        model = MatchingJob
        fields = [
            "id",
            "street",
            "community",
            "city_wide",
            "scope_name",
            "week_start",
            "status",
            "progress",
            "run",
            "error",
            "created_at",
            "finished_at",
        ]
        read_only_fields = fields


class MatchingJobCreateSerializer(serializers.Serializer):
    """Exactly one scope: `city: true` (civil affairs), a `street` or a `community` id."""

    city = serializers.BooleanField(default=False)
    street = serializers.PrimaryKeyRelatedField(
        queryset=Street.objects.all(), required=False, allow_null=True, default=None
    )
    community = serializers.PrimaryKeyRelatedField(
        queryset=Community.objects.all(), required=False, allow_null=True, default=None
    )
    week_start = serializers.DateField()

    def validate(self, data):
        chosen = [data["city"], data["street"] is not None, data["community"] is not None]
        if chosen.count(True) != 1:
            raise serializers.ValidationError(
                _("请只选择一个匹配范围：全市（city）、一个街道（street）或一个社区（community）。")
            )
        data["week_start"] = week_start_of(data["week_start"])
        return data


def _scope_schema(chosen: str) -> dict:
    """One branch of the oneOf: `chosen` given, the other two left out (or null, or false).

    Written with `not` rather than `enum`: drf-spectacular lifts every enum into a shared
    component, which would merge these one-value sets with the models' choices."""
    given = {"not": {"enum": [False]}} if chosen == "city" else {"type": "integer"}
    properties = {
        "city": {"not": {"enum": [True]}},
        "street": {"not": {"type": "integer"}},
        "community": {"not": {"type": "integer"}},
    }
    return {"title": chosen, "required": [chosen], "properties": {**properties, chosen: given}}


class MatchingJobScopeSchema(OpenApiSerializerExtension):
    """States `validate`'s rule in the schema, so a client (and schemathesis) can know which
    bodies are accepted: exactly one of `city: true`, a `street` id, a `community` id."""

    target_class = MatchingJobCreateSerializer

    def map_serializer(self, auto_schema, direction):
        schema = super().map_serializer(auto_schema, direction)
        schema["oneOf"] = [_scope_schema(scope) for scope in ("city", "street", "community")]
        return schema
