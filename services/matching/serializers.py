from rest_framework import serializers

from services.models import (
    Match,
)


class MatchSerializer(serializers.ModelSerializer):
    resident_name = serializers.CharField(source="request.resident.name", read_only=True)
    community = serializers.IntegerField(source="request.resident.community_id", read_only=True)
    service_type_name = serializers.CharField(source="request.service_type.name", read_only=True)
    organization = serializers.IntegerField(source="offering.organization_id", read_only=True)
    organization_name = serializers.CharField(source="offering.organization.name", read_only=True)

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
    reason = serializers.CharField(max_length=200)
