import datetime

from rest_framework import serializers

from communities.models import Resident
from organizations.models import Organization
from sanlian.api.inputs import StrictTextField
from services.care.verification import position_of
from services.models import (
    Feedback,
    RequestChannel,
    ServiceRequest,
    ServiceType,
    Visit,
)
from services.offerings.models import mask_to_days


class RequestSerializer(serializers.ModelSerializer):
    resident_name = serializers.CharField(source="resident.name", read_only=True)
    community = serializers.IntegerField(source="resident.community_id", read_only=True)
    community_name = serializers.CharField(source="resident.community.name", read_only=True)
    service_type_name = serializers.CharField(source="service_type.name", read_only=True)
    preferred_days = serializers.ListField(
        source="preferred_day_list", child=serializers.IntegerField(), read_only=True
    )

    class Meta:
        model = ServiceRequest
        fields = [
            "id",
            "resident",
            "resident_name",
            "community",
            "community_name",
            "service_type",
            "service_type_name",
            "preferred_days",
            "preferred_start",
            "preferred_end",
            "notes",
            "urgent",
            "channel",
            "status",
            "created_at",
            "cancelled_at",
            "cancel_reason",
        ]
        read_only_fields = fields


class RequestCreateSerializer(serializers.Serializer):
    """A new request; `resident` must be one you may see (self, relative, your community)."""

    resident = serializers.PrimaryKeyRelatedField(queryset=Resident.objects.none())
    service_type = serializers.PrimaryKeyRelatedField(queryset=ServiceType.objects.all())
    preferred_days = serializers.ListField(
        child=serializers.IntegerField(min_value=0, max_value=6), allow_empty=False, max_length=7
    )
    preferred_start = serializers.TimeField(default=datetime.time(8, 0))
    preferred_end = serializers.TimeField(default=datetime.time(18, 0))
    notes = StrictTextField(required=False, allow_blank=True, default="", max_length=500)
    urgent = serializers.BooleanField(default=False)
    channel = serializers.ChoiceField(choices=RequestChannel.choices, default=RequestChannel.WEB)
    # Checked by the domain: only organizations serving the resident's community.
    preferred_organization = serializers.PrimaryKeyRelatedField(
        queryset=Organization.objects.all(), required=False, allow_null=True, default=None
    )
    excluded_organization = serializers.PrimaryKeyRelatedField(
        queryset=Organization.objects.all(), required=False, allow_null=True, default=None
    )

    def __init__(self, *args, residents=None, **kwargs):
        super().__init__(*args, **kwargs)
        if residents is not None:
            self.fields["resident"].queryset = residents


class CancelSerializer(serializers.Serializer):
    reason = StrictTextField(required=False, allow_blank=True, default="", max_length=200)


class VisitSerializer(serializers.ModelSerializer):
    resident_name = serializers.CharField(source="request.resident.name", read_only=True)
    address = serializers.CharField(source="request.resident.address", read_only=True)
    community = serializers.IntegerField(source="request.resident.community_id", read_only=True)
    community_name = serializers.CharField(source="request.resident.community.name", read_only=True)
    service_type_name = serializers.CharField(source="request.service_type.name", read_only=True)
    organization = serializers.IntegerField(source="offering.organization_id", read_only=True)
    organization_name = serializers.CharField(source="offering.organization.name", read_only=True)
    # null without a worker: allow_null puts `nullable` into the published schema.
    social_worker_name = serializers.CharField(
        source="social_worker.name", read_only=True, default=None, allow_null=True
    )
    volunteer_name = serializers.CharField(
        source="volunteer.name", read_only=True, default=None, allow_null=True
    )
    rating = serializers.SerializerMethodField()

    class Meta:
        model = Visit
        fields = [
            "id",
            "request",
            "resident_name",
            "address",
            "community",
            "community_name",
            "service_type_name",
            "offering",
            "organization",
            "organization_name",
            "venue",
            "scheduled_start",
            "duration_minutes",
            "social_worker",
            "social_worker_name",
            "volunteer",
            "volunteer_name",
            "status",
            "checked_in_at",
            "checked_out_at",
            "service_log",
            "condition_changed_at",
            "condition_note",
            "location_state",
            "check_in_distance_m",
            "check_out_distance_m",
            "manual_reason",
            "early_check_in",
            "short_visit",
            "review_state",
            "rating",
        ]
        read_only_fields = fields

    def get_rating(self, visit: Visit) -> int | None:
        feedback = getattr(visit, "feedback", None)
        return feedback.rating if feedback else None


class ServiceLogSerializer(serializers.Serializer):
    service_log = StrictTextField(required=False, allow_blank=True, default="", max_length=2000)
    condition_changed = serializers.BooleanField(
        required=False, default=False, help_text="the resident's condition changed: reassess"
    )
    condition_note = StrictTextField(required=False, allow_blank=True, default="", max_length=200)


class PositionSerializer(serializers.Serializer):
    """The phone's fix at this step, all optional: without one the visit is recorded as
    `no_position` (or `manual` with a reason) and nothing is refused."""

    lat = serializers.FloatField(
        required=False, allow_null=True, min_value=-90, max_value=90, help_text="WGS-84 degrees"
    )
    lon = serializers.FloatField(
        required=False, allow_null=True, min_value=-180, max_value=180, help_text="WGS-84 degrees"
    )
    accuracy_m = serializers.FloatField(
        required=False, allow_null=True, min_value=0, help_text="accuracy radius, metres"
    )
    manual_reason = StrictTextField(
        required=False,
        allow_blank=True,
        default="",
        max_length=200,
        help_text="why there is no position (the visit is then `manual`)",
    )


def step_arguments(data: dict) -> dict:
    """A validated step payload as the domain step's keyword arguments."""
    rest = {k: v for k, v in data.items() if k not in ("lat", "lon", "accuracy_m")}
    rest["position"] = position_of(data.get("lat"), data.get("lon"), data.get("accuracy_m"))
    return rest


class CheckOutSerializer(ServiceLogSerializer, PositionSerializer):
    pass


class FeedbackSerializer(serializers.ModelSerializer):
    comment = StrictTextField(required=False, allow_blank=True, max_length=500)

    class Meta:
        model = Feedback
        fields = ["id", "visit", "rating", "comment", "created_at"]
        read_only_fields = ["id", "visit", "created_at"]


# Lists of requests: rows read with `.values()` and formatted field by field, without a
# serializer instance per row. The output is exactly RequestSerializer's (a test holds
# the two together); bench/api.py measures the difference.
REQUEST_LIST_VALUES = {
    "id": "id",
    "resident": "resident_id",
    "resident_name": "resident__name",
    "community": "resident__community_id",
    "community_name": "resident__community__name",
    "service_type": "service_type_id",
    "service_type_name": "service_type__name",
    "preferred_days": "preferred_days",
    "preferred_start": "preferred_start",
    "preferred_end": "preferred_end",
    "notes": "notes",
    "urgent": "urgent",
    "channel": "channel",
    "status": "status",
    "created_at": "created_at",
    "cancelled_at": "cancelled_at",
    "cancel_reason": "cancel_reason",
}
_DATETIME = serializers.DateTimeField()
_TIME = serializers.TimeField()


def _moment(value):
    return None if value is None else _DATETIME.to_representation(value)


def request_list_rows(rows) -> list[dict]:
    """RequestSerializer(many=True).data for rows of `.values(*REQUEST_LIST_VALUES.values())`."""
    return [
        {
            "id": row["id"],
            "resident": row["resident_id"],
            "resident_name": row["resident__name"],
            "community": row["resident__community_id"],
            "community_name": row["resident__community__name"],
            "service_type": row["service_type_id"],
            "service_type_name": row["service_type__name"],
            "preferred_days": mask_to_days(row["preferred_days"]),
            "preferred_start": _TIME.to_representation(row["preferred_start"]),
            "preferred_end": _TIME.to_representation(row["preferred_end"]),
            "notes": row["notes"],
            "urgent": row["urgent"],
            "channel": row["channel"],
            "status": row["status"],
            "created_at": _moment(row["created_at"]),
            "cancelled_at": _moment(row["cancelled_at"]),
            "cancel_reason": row["cancel_reason"],
        }
        for row in rows
    ]
