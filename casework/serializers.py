"""API shapes of social work. A case never carries its progress notes."""

from rest_framework import serializers

from casework.models import Assessment, Callback, Case


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
    organization = serializers.IntegerField(source="visit.offering.organization_id")

    class Meta:
        model = Callback
        fields = [
            "id",
            "visit",
            "organization",
            "social_worker",
            "week_start",
            "status",
            "happened_as_logged",
            "quality_score",
            "done_at",
        ]
