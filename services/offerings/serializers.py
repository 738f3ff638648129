from rest_framework import serializers

from services.models import (
    OfferingWindow,
    ServiceOffering,
    ServiceType,
)


class ServiceTypeSerializer(serializers.ModelSerializer):
    class Meta:
        model = ServiceType
        fields = ["id", "code", "name", "care_mode", "default_duration_minutes", "description"]


class OfferingWindowSerializer(serializers.ModelSerializer):
    class Meta:
        model = OfferingWindow
        fields = ["weekday", "start_time", "end_time"]


class OfferingSerializer(serializers.ModelSerializer):
    organization_name = serializers.CharField(source="organization.name", read_only=True)
    service_type_name = serializers.CharField(source="service_type.name", read_only=True)
    care_mode = serializers.CharField(source="service_type.care_mode", read_only=True)
    communities = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    windows = OfferingWindowSerializer(many=True, read_only=True)

    class Meta:
        model = ServiceOffering
        fields = [
            "id",
            "organization",
            "organization_name",
            "service_type",
            "service_type_name",
            "care_mode",
            "communities",
            "venue",
            "weekly_capacity",
            "price_class",
            "price_fen",
            "status",
            "description",
            "windows",
            "created_at",
        ]
        read_only_fields = fields
