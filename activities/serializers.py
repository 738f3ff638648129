"""API shapes of activities, sign-ups, time-bank accounts and suggestions."""

from rest_framework import serializers

from activities.models import Activity, Signup, Suggestion, TimeBankAccount
from communities.models import Resident
from sanlian.api.inputs import StrictTextField


class ActivitySerializer(serializers.ModelSerializer):
    venue_name = serializers.CharField(source="venue.name", read_only=True)
    host = serializers.CharField(source="host_name", read_only=True)
    places_left = serializers.IntegerField(read_only=True)

    class Meta:
        model = Activity
        fields = [
            "id",
            "title",
            "description",
            "community",
            "venue",
            "venue_name",
            "organization",
            "team",
            "host",
            "starts_at",
            "ends_at",
            "capacity",
            "confirmed_count",
            "places_left",
            "open_to",
            "status",
        ]
        read_only_fields = fields


class SignupSerializer(serializers.ModelSerializer):
    resident_name = serializers.CharField(source="resident.name", read_only=True)
    # A plain string: "channel" already names the request channels' enum in the schema.
    channel = serializers.CharField(read_only=True, help_text="self | family | staff")

    class Meta:
        model = Signup
        fields = [
            "id",
            "activity",
            "resident",
            "resident_name",
            "status",
            "channel",
            "created_at",
            "promoted_at",
            "cancelled_at",
            "attended_at",
        ]
        read_only_fields = fields


class SignUpInput(serializers.Serializer):
    resident = serializers.PrimaryKeyRelatedField(queryset=Resident.objects.none())

    def __init__(self, *args, residents=None, **kwargs):
        super().__init__(*args, **kwargs)
        if residents is not None:  # None: the schema generator, which only reads the shape
            self.fields["resident"].queryset = residents


class FeedbackInput(serializers.Serializer):
    rating = serializers.IntegerField(min_value=1, max_value=5)
    comment = StrictTextField(required=False, allow_blank=True, max_length=500)


class TimeBankAccountSerializer(serializers.ModelSerializer):
    resident_name = serializers.CharField(source="resident.name", read_only=True)

    class Meta:
        model = TimeBankAccount
        fields = ["id", "resident", "resident_name", "balance_minutes"]
        read_only_fields = fields


class SuggestionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Suggestion
        fields = [
            "id",
            "community",
            "organization",
            "title",
            "body",
            "status",
            "answer",
            "answered_at",
            "created_at",
        ]
        read_only_fields = fields
