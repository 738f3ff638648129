from rest_framework import serializers

from communities.models import Community, Street, Venue
from organizations.models import Agreement, Category, Organization
from sanlian.api.inputs import (
    CreditCodeField,
    MobileField,
    PasswordField,
    RequiredTextField,
    StrictTextField,
)
from sanlian.bounds import DESCRIPTION_MAX_CHARS


class OrganizationSerializer(serializers.ModelSerializer):
    """An organization; the contact phone is masked."""

    contact_phone = serializers.CharField(source="masked_contact_phone", read_only=True)
    home_street_name = serializers.CharField(
        source="home_street.name", read_only=True, default=None, allow_null=True
    )
    wants_to_serve = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Organization
        fields = [
            "id",
            "name",
            "credit_code",
            "category",
            "status",
            "legal_representative",
            "contact_name",
            "contact_phone",
            "email",
            "address",
            "description",
            "home_street",
            "home_street_name",
            "wants_to_serve",
            "submitted_at",
            "reviewed_at",
            "review_reason",
        ]
        read_only_fields = fields


class OrganizationRegistrationSerializer(serializers.Serializer):
    """Input of an online registration; the account named here becomes the organization's admin."""

    name = StrictTextField(max_length=100)
    # Format checks reuse the model's validators so every bad field is reported at once.
    credit_code = CreditCodeField()
    category = serializers.ChoiceField(choices=Category.choices)
    legal_representative = StrictTextField(max_length=30)
    contact_name = StrictTextField(max_length=30)
    contact_phone = MobileField()
    email = serializers.EmailField()
    address = StrictTextField(max_length=120)
    description = StrictTextField(
        required=False, allow_blank=True, default="", max_length=DESCRIPTION_MAX_CHARS
    )
    home_street = serializers.PrimaryKeyRelatedField(
        queryset=Street.objects.all(), required=False, allow_null=True, default=None
    )
    communities = serializers.PrimaryKeyRelatedField(
        queryset=Community.objects.all(), many=True, required=False, default=list
    )
    streets = serializers.PrimaryKeyRelatedField(
        queryset=Street.objects.all(), many=True, required=False, default=list
    )
    username = StrictTextField(max_length=150)
    password = PasswordField()


class ReasonSerializer(serializers.Serializer):
    reason = StrictTextField(required=False, allow_blank=True, default="", max_length=2000)


class RequiredReasonSerializer(serializers.Serializer):
    """A refusal (reject, suspend, decline) must say why: the domain requires the reason."""

    reason = RequiredTextField()


class AgreementSerializer(serializers.ModelSerializer):
    organization_name = serializers.CharField(source="organization.name", read_only=True)
    community_name = serializers.CharField(source="community.name", read_only=True)
    street = serializers.IntegerField(source="community.street_id", read_only=True)
    venue_name = serializers.CharField(
        source="venue.name", read_only=True, default=None, allow_null=True
    )

    class Meta:
        model = Agreement
        fields = [
            "id",
            "organization",
            "organization_name",
            "community",
            "community_name",
            "street",
            "venue",
            "venue_name",
            "start_date",
            "end_date",
            "status",
            "note",
            "requested_at",
            "decided_at",
            "decision_reason",
        ]
        read_only_fields = fields


class AgreementRequestSerializer(serializers.Serializer):
    """An organization asks to enter a community."""

    community = serializers.PrimaryKeyRelatedField(queryset=Community.objects.all())
    venue = serializers.PrimaryKeyRelatedField(
        queryset=Venue.objects.all(), required=False, allow_null=True, default=None
    )
    start_date = serializers.DateField()
    end_date = serializers.DateField(required=False, allow_null=True, default=None)
    note = StrictTextField(required=False, allow_blank=True, default="")
