from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from communities.domain import RESIDENT_FIELDS
from communities.models import (
    FACILITY_M2_PER_100_HOUSEHOLDS_TARGET,
    SOCIAL_WORKER_TARGET,
    Community,
    District,
    Resident,
    Street,
    Venue,
)
from sanlian.masking import mask_phone


class DistrictSerializer(serializers.ModelSerializer):
    class Meta:
        model = District
        fields = ["id", "code", "name"]


class StreetSerializer(serializers.ModelSerializer):
    district_name = serializers.CharField(source="district.name", read_only=True)

    class Meta:
        model = Street
        fields = ["id", "code", "name", "district", "district_name"]


class CommunityIndicatorsSerializer(serializers.Serializer):
    facility_m2_per_100_households = serializers.DecimalField(
        max_digits=9, decimal_places=1, allow_null=True
    )
    facility_target = serializers.IntegerField()
    meets_facility_target = serializers.BooleanField()
    social_workers = serializers.IntegerField()
    social_worker_target = serializers.IntegerField()
    meets_social_worker_target = serializers.BooleanField()
    organizations_entered = serializers.IntegerField()


class CommunitySerializer(serializers.ModelSerializer):
    street_name = serializers.CharField(source="street.name", read_only=True)
    district = serializers.IntegerField(source="street.district_id", read_only=True)
    district_name = serializers.CharField(source="street.district.name", read_only=True)
    indicators = serializers.SerializerMethodField()

    class Meta:
        model = Community
        fields = [
            "id",
            "code",
            "name",
            "street",
            "street_name",
            "district",
            "district_name",
            "households",
            "population",
            "residents_60_plus",
            "facility_area_m2",
            "pilot_batch",
            "latitude",
            "longitude",
            "indicators",
        ]

    @extend_schema_field(CommunityIndicatorsSerializer)
    def get_indicators(self, community: Community) -> dict:
        # The counts are annotations from communities.queries.community_indicator_annotations().
        workers = community.social_worker_count
        return CommunityIndicatorsSerializer(
            {
                "facility_m2_per_100_households": community.facility_m2_per_100_households,
                "facility_target": FACILITY_M2_PER_100_HOUSEHOLDS_TARGET,
                "meets_facility_target": community.meets_facility_target,
                "social_workers": workers,
                "social_worker_target": SOCIAL_WORKER_TARGET,
                "meets_social_worker_target": workers >= SOCIAL_WORKER_TARGET,
                "organizations_entered": community.organizations_entered,
            }
        ).data


class VenueSerializer(serializers.ModelSerializer):
    community_name = serializers.CharField(source="community.name", read_only=True)

    class Meta:
        model = Venue
        fields = ["id", "community", "community_name", "name", "kind", "area_m2", "capacity"]


class ResidentSerializer(serializers.ModelSerializer):
    """A resident with identifiers masked; the full ID-card and phone numbers never leave."""

    id_number = serializers.CharField(source="masked_id_number", read_only=True)
    phone = serializers.CharField(source="masked_phone", read_only=True)
    emergency_contact_phone = serializers.SerializerMethodField()
    age = serializers.IntegerField(read_only=True)
    community_name = serializers.CharField(source="community.name", read_only=True)
    anonymised = serializers.SerializerMethodField()

    class Meta:
        model = Resident
        # The age, never the birth date: with the region code it gives away the ID number.
        fields = [
            "id",
            *(name for name in RESIDENT_FIELDS if name != "birth_date"),
            "age",
            "community_name",
            "anonymised",
            "created_at",
        ]
        read_only_fields = fields

    def get_emergency_contact_phone(self, resident: Resident) -> str:
        return mask_phone(resident.emergency_contact_phone)

    def get_anonymised(self, resident: Resident) -> bool:
        return resident.anonymised_at is not None
