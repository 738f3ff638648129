"""API shapes of calls, applications, contracts and payment requests (money in fen)."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from communities.models import Community, District, Street
from organizations.models import Category
from projects.domain import CATEGORY_TARGET_MAX
from projects.models import (
    Application,
    BudgetLine,
    CategoryTarget,
    Contract,
    Criterion,
    Milestone,
    PaymentRequest,
    ProjectCall,
    ServiceTarget,
)
from sanlian.api.inputs import StrictTextField
from services.offerings.models import ServiceType
from socialworkers.models import SocialWorker, VolunteerTeam


class CriterionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Criterion
        fields = ["id", "name", "max_points"]


class ServiceTargetSerializer(serializers.ModelSerializer):
    class Meta:
        model = ServiceTarget
        fields = [
            "id",
            "kind",
            "service_types",
            "communities",
            "starts_on",
            "ends_on",
            "quantity",
            "min_mean_rating",
        ]


class ProjectCallSerializer(serializers.ModelSerializer):
    criteria = CriterionSerializer(many=True, read_only=True)
    targets = ServiceTargetSerializer(many=True, read_only=True)

    class Meta:
        model = ProjectCall
        fields = [
            "id",
            "title",
            "purpose",
            "categories",
            "street",
            "communities",
            "budget_ceiling_fen",
            "opens_on",
            "closes_on",
            "status",
            "criteria",
            "targets",
        ]


class BudgetLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = BudgetLine
        fields = ["item", "amount_fen"]


class ApplicationSerializer(serializers.ModelSerializer):
    """Rank and mean score are written only by the decision, so they are public with it."""

    organization_name = serializers.CharField(source="organization.name", read_only=True)
    budget_lines = BudgetLineSerializer(many=True, read_only=True)

    class Meta:
        model = Application
        fields = [
            "id",
            "call",
            "organization",
            "organization_name",
            "plan",
            "requested_fen",
            "budget_lines",
            "status",
            "rank",
            "mean_score",
            "decision_reason",
            "submitted_at",
        ]


class MilestoneSerializer(serializers.ModelSerializer):
    class Meta:
        model = Milestone
        fields = ["id", "title", "due_on", "amount_fen", "visits_required"]


class ContractSerializer(serializers.ModelSerializer):
    organization_name = serializers.CharField(source="organization.name", read_only=True)
    milestones = MilestoneSerializer(many=True, read_only=True)

    class Meta:
        model = Contract
        fields = [
            "id",
            "title",
            "application",
            "organization",
            "organization_name",
            "communities",
            "budget_fen",
            "paid_fen",
            "starts_on",
            "ends_on",
            "status",
            "milestones",
        ]


class TargetProgressSerializer(serializers.Serializer):
    target = serializers.IntegerField(source="target.pk")
    quantity = serializers.IntegerField(source="target.quantity")
    delivered = serializers.IntegerField()
    confirmed_by_callback = serializers.IntegerField()
    rated = serializers.IntegerField()
    mean_rating = serializers.DecimalField(max_digits=3, decimal_places=2, allow_null=True)
    min_mean_rating = serializers.DecimalField(
        source="target.min_mean_rating", max_digits=3, decimal_places=2, allow_null=True
    )
    expected_by_now = serializers.IntegerField()
    forecast = serializers.IntegerField()
    on_track = serializers.BooleanField()


class PaymentRequestSerializer(serializers.ModelSerializer):
    contract = serializers.IntegerField(source="milestone.contract_id", read_only=True)

    class Meta:
        model = PaymentRequest
        fields = [
            "id",
            "contract",
            "milestone",
            "amount_fen",
            "verified_visits",
            "status",
            "requested_at",
            "decided_at",
            "decision_reason",
        ]


class ProjectReasonSerializer(serializers.Serializer):
    reason = StrictTextField(max_length=200)


# --- writes: the same domain functions as the pages --------------------------------------


class CriterionInputSerializer(serializers.Serializer):
    name = StrictTextField(max_length=60)
    max_points = serializers.IntegerField(min_value=1, max_value=1000)


class TargetInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=ServiceTarget.Kind.choices, default=ServiceTarget.Kind.COMPLETED_VISITS
    )
    service_types = serializers.PrimaryKeyRelatedField(
        queryset=ServiceType.objects.all(), many=True, required=False
    )
    communities = serializers.PrimaryKeyRelatedField(
        queryset=Community.objects.all(), many=True, allow_empty=False
    )
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    quantity = serializers.IntegerField(min_value=1)
    min_mean_rating = serializers.DecimalField(
        max_digits=3, decimal_places=2, min_value=1, max_value=5, required=False, allow_null=True
    )


class CallPublishSerializer(serializers.Serializer):
    """Publish a call: `domain.call_publish` checks scope, dates, ceiling and targets."""

    title = StrictTextField(max_length=100)
    purpose = StrictTextField(max_length=5000)
    categories = serializers.ListField(
        child=serializers.ChoiceField(choices=Category.choices), allow_empty=False
    )
    street = serializers.PrimaryKeyRelatedField(
        queryset=Street.objects.all(), required=False, allow_null=True
    )
    communities = serializers.PrimaryKeyRelatedField(
        queryset=Community.objects.all(), many=True, allow_empty=False
    )
    budget_ceiling_fen = serializers.IntegerField(min_value=1)
    opens_on = serializers.DateField()
    closes_on = serializers.DateField()
    criteria = CriterionInputSerializer(many=True, allow_empty=False)
    targets = TargetInputSerializer(many=True, allow_empty=False)

    def domain_arguments(self) -> dict:
        data = dict(self.validated_data)
        data["criteria"] = [(c["name"], c["max_points"]) for c in data["criteria"]]
        data["targets"] = [dict(t) for t in data["targets"]]
        return data


class ApplyBudgetLineSerializer(serializers.Serializer):
    item = StrictTextField(max_length=60)
    amount_fen = serializers.IntegerField(min_value=1)


class ApplySerializer(serializers.Serializer):
    """Apply to a call for one's own organization: `domain.application_submit` decides."""

    call = serializers.PrimaryKeyRelatedField(queryset=ProjectCall.objects.all())
    plan = StrictTextField(max_length=5000)
    budget_lines = ApplyBudgetLineSerializer(many=True, allow_empty=False)
    social_workers = serializers.PrimaryKeyRelatedField(
        queryset=SocialWorker.objects.all(), many=True, required=False
    )
    volunteer_teams = serializers.PrimaryKeyRelatedField(
        queryset=VolunteerTeam.objects.all(), many=True, required=False
    )

    def domain_arguments(self) -> dict:
        data = dict(self.validated_data)
        data.pop("call")
        data["budget_lines"] = [(line["item"], line["amount_fen"]) for line in data["budget_lines"]]
        return data


class DecisionSerializer(serializers.Serializer):
    """The award decision: the applications awarded, and a reason for every application."""

    awarded = serializers.ListField(child=serializers.IntegerField(), allow_empty=True)
    reasons = serializers.DictField(child=StrictTextField(max_length=500))

    def validate_reasons(self, value):
        try:
            return {int(key): text for key, text in value.items()}
        except ValueError as error:
            # A key that is no number names no application: a missing row (404), as an
            # unknown id would be; the schema can say "keys" but not which.
            raise serializers.ValidationError(
                _("评定理由须以申报编号为键。"), code="does_not_exist"
            ) from error


# --- the bureau's category targets ---------------------------------------------------------


class CategoryTargetSerializer(serializers.ModelSerializer):
    district_name = serializers.CharField(source="district.name", read_only=True)

    class Meta:
        model = CategoryTarget
        fields = ["id", "district", "district_name", "category", "target", "set_at"]


class CategoryTargetCreateSerializer(serializers.Serializer):
    """A target for a district and category without one: `domain.category_target_create`."""

    district = serializers.PrimaryKeyRelatedField(queryset=District.objects.all())
    category = serializers.ChoiceField(choices=Category.choices)
    target = serializers.IntegerField(min_value=0, max_value=CATEGORY_TARGET_MAX)


class CategoryTargetChangeSerializer(serializers.Serializer):
    """A new count for an existing target: `domain.category_target_change`."""

    target = serializers.IntegerField(min_value=0, max_value=CATEGORY_TARGET_MAX)
