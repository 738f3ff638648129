"""API shapes of social work. A case never carries its progress notes."""

from rest_framework import serializers

from casework.models import Assessment, Callback, Case
from sanlian.api.inputs import StrictTextField


class AssessmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Assessment
        fields = [
            "id",
            "resident",
            "status",
            "total",
            "level_rank",
            "level_name",
            "care_level",
            "signed_by",
            "signed_at",
            "second_signed_by",
            "second_signed_at",
            "effective_at",
        ]


class CaseSerializer(serializers.ModelSerializer):
    class Meta:
        model = Case
        fields = [
            "id",
            "resident",
            "social_workers",
            "source",
            "status",
            "opened_at",
            "closed_at",
            "outcome",
        ]


class CallbackSerializer(serializers.ModelSerializer):
    """What the visit's organization may read of a callback: the outcome and the score, the
    visit and its service, nothing of the resident and not the social worker's comment."""

    organization = serializers.IntegerField(source="visit.offering.organization_id")
    service_type = serializers.IntegerField(source="visit.request.service_type_id")
    service_type_name = serializers.CharField(source="visit.request.service_type.name")
    visit_start = serializers.DateTimeField(source="visit.scheduled_start")

    class Meta:
        model = Callback
        fields = [
            "id",
            "visit",
            "visit_start",
            "service_type",
            "service_type_name",
            "organization",
            "social_worker",
            "week_start",
            "status",
            "happened_as_logged",
            "quality_score",
            "done_at",
        ]


class CallbackRecordSerializer(serializers.Serializer):
    """The social worker's call: reached or not; if reached, whether the visit happened as
    logged and a quality score (1–5), both required."""

    reached = serializers.BooleanField()
    happened_as_logged = serializers.BooleanField(required=False, allow_null=True, default=None)
    quality_score = serializers.IntegerField(
        min_value=1, max_value=5, required=False, allow_null=True, default=None
    )
    comment = StrictTextField(max_length=300, required=False, allow_blank=True, default="")
