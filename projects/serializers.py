"""API shapes of calls, applications, contracts and payment requests (money in fen)."""

from rest_framework import serializers

from projects.models import (
    Application,
    BudgetLine,
    Contract,
    Criterion,
    Milestone,
    PaymentRequest,
    ProjectCall,
    ServiceTarget,
)


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
    reason = serializers.CharField(max_length=200)
