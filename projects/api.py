"""API v1 for government purchase of services: calls, applications, contracts, payments.

Reads go through `projects.queries`; actions call one domain function each, which refuses
through `projects.rules` (403) or rejects bad input with a message (400).
"""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from organizations.queries import membership_of
from projects import domain, rules
from projects.models import PaymentRequest
from projects.progress import contract_progress
from projects.queries import (
    applications_visible_to,
    calls_managed_by,
    calls_visible_to,
    category_targets_visible_to,
    contracts_visible_to,
)
from projects.serializers import (
    ApplicationSerializer,
    ApplySerializer,
    CallPublishSerializer,
    CategoryTargetChangeSerializer,
    CategoryTargetCreateSerializer,
    CategoryTargetSerializer,
    ContractSerializer,
    DecisionSerializer,
    PaymentRequestSerializer,
    ProjectCallSerializer,
    ProjectReasonSerializer,
    TargetProgressSerializer,
)
from sanlian.api.inputs import validated
from sanlian.api.permissions import IsPortalUser


def _reason(request) -> str:
    serializer = ProjectReasonSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data["reason"]


@extend_schema_view(
    list=extend_schema(
        description="Calls for projects (公益创投 / 政府购买服务); staff and organizations."
    ),
    retrieve=extend_schema(description="One call with its rubric and targets."),
    create=extend_schema(
        description=(
            "Publish a call (civil-affairs bureau: city-wide; street staff: their street's "
            "communities, `street` required). Same rules and messages as the page."
        ),
        request=CallPublishSerializer,
        responses={201: ProjectCallSerializer},
    ),
    decide=extend_schema(
        description=(
            "Record the ranking and the award after the closing date: `awarded` lists the "
            "application ids awarded, `reasons` maps every application id to its reason."
        ),
        request=DecisionSerializer,
        responses=ApplicationSerializer(many=True),
    ),
)
class ProjectCallViewSet(
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = ProjectCallSerializer
    filterset_fields = ["status", "street"]
    search_fields = ["title"]
    ordering_fields = ["opens_on", "closes_on"]

    def get_queryset(self):
        return calls_visible_to(self.request.user).prefetch_related(
            "communities",
            "criteria",
            "targets__service_types",
            "targets__communities",
        )

    def create(self, request, *args, **kwargs):
        if not rules.may_publish_call(request.user):
            raise PermissionDenied
        serializer = CallPublishSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        call = domain.call_publish(actor=request.user, **serializer.domain_arguments())
        return Response(ProjectCallSerializer(call).data, status=status.HTTP_201_CREATED)

    # It answers the ranking as a plain list: no list filters or pages apply.
    @action(detail=True, methods=["post"], filter_backends=[], pagination_class=None)
    def decide(self, request, pk=None):
        # Another office's call is not found here, as its contracts are not. DRF's lookup: a
        # malformed id (`null,null`) is a 404, where Django's raises ValueError (a 500).
        call = get_object_or_404(calls_managed_by(request.user), pk=pk)
        serializer = DecisionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        ranking = domain.call_decide(
            call=call,
            actor=request.user,
            awarded_ids=set(serializer.validated_data["awarded"]),
            reasons=serializer.validated_data["reasons"],
        )
        return Response(ApplicationSerializer(ranking, many=True).data)


@extend_schema_view(
    list=extend_schema(
        description=(
            "Applications you may see: an organization its own, a reviewer those of the calls "
            "they review, the running office those of its calls. Not public."
        )
    ),
    retrieve=extend_schema(description="One application with its budget lines."),
    create=extend_schema(
        description=(
            "Apply to an open call for your own organization (a member of an approved "
            "organization of an allowed category): budget lines in fen, within the ceiling; "
            "social workers and volunteer teams of your organization only."
        ),
        request=ApplySerializer,
        responses={201: ApplicationSerializer},
    ),
)
class ApplicationViewSet(
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = ApplicationSerializer
    filterset_fields = ["call", "organization", "status"]
    ordering_fields = ["submitted_at", "rank"]

    def get_queryset(self):
        return applications_visible_to(self.request.user).prefetch_related("budget_lines")

    def create(self, request, *args, **kwargs):
        membership = membership_of(request.user)
        if membership is None or not rules.is_member(request.user, membership.organization_id):
            raise PermissionDenied
        serializer = ApplySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        call = get_object_or_404(
            calls_visible_to(request.user), pk=serializer.validated_data["call"].pk
        )
        application = domain.application_submit(
            call=call,
            organization=membership.organization,
            actor=request.user,
            **serializer.domain_arguments(),
        )
        return Response(ApplicationSerializer(application).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(description="Contracts you may see: an organization its own."),
    retrieve=extend_schema(description="One contract with its milestones."),
    progress=extend_schema(
        description="Targets vs verified output (computed from visits), with the forecast.",
        responses=TargetProgressSerializer(many=True),
    ),
    suspend=extend_schema(
        description="Suspend an active contract; `reason` is required.",
        request=ProjectReasonSerializer,
        responses=ContractSerializer,
    ),
)
class ContractViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = ContractSerializer
    filterset_fields = ["organization", "status"]
    ordering_fields = ["signed_at", "starts_on"]

    def get_queryset(self):
        return contracts_visible_to(self.request.user).prefetch_related("communities", "milestones")

    # One contract's targets: a plain list, neither filtered nor paginated like the contracts.
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def progress(self, request, pk=None):
        progress = contract_progress(contract=self.get_object())
        return Response(TargetProgressSerializer(progress, many=True).data)

    @action(detail=True, methods=["post"])
    def suspend(self, request, pk=None):
        contract = domain.contract_suspend(
            contract=self.get_object(), actor=request.user, reason=_reason(request)
        )
        return Response(ContractSerializer(contract).data)


@extend_schema_view(
    list=extend_schema(description="Milestone payment requests of the contracts you may see."),
    retrieve=extend_schema(description="One payment request."),
    approve=extend_schema(
        description="Approve and pay (append-only); never beyond the milestone or contract.",
        request=None,
        responses=PaymentRequestSerializer,
    ),
    reject=extend_schema(
        description="Reject a pending request; `reason` is required.",
        request=ProjectReasonSerializer,
        responses=PaymentRequestSerializer,
    ),
)
class PaymentRequestViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = PaymentRequestSerializer
    filterset_fields = ["status", "milestone"]
    ordering_fields = ["requested_at"]

    def get_queryset(self):
        contracts = contracts_visible_to(self.request.user)
        return PaymentRequest.objects.filter(milestone__contract__in=contracts).select_related(
            "milestone"
        )

    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        payment_request = self.get_object()
        domain.payment_request_approve(payment_request=payment_request, actor=request.user)
        payment_request.refresh_from_db()
        return Response(PaymentRequestSerializer(payment_request).data)

    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        payment_request = domain.payment_request_reject(
            payment_request=self.get_object(), actor=request.user, reason=_reason(request)
        )
        return Response(PaymentRequestSerializer(payment_request).data)


class SetsCategoryTargets(BasePermission):
    """The targets page's rule (`rules.set_category_targets_refusal`): the bureau only."""

    message = _("只有民政局工作人员可以设定组织培育目标。")

    def has_permission(self, request, view) -> bool:
        return rules.may_set_category_targets(request.user)


@extend_schema_view(
    list=extend_schema(
        description=(
            "The bureau's cultivation targets (培育目标): how many approved organizations of "
            "each category it wants based in each district. Civil-affairs staff only; the "
            "dashboards set the count of organizations against them."
        )
    ),
    retrieve=extend_schema(description="One district's target for one category."),
    create=extend_schema(
        description=(
            "Set a target for a district and category that has none (the same rules and "
            "messages as the targets page): 0 to 10,000. A target that exists already is a "
            "409; change it with PATCH."
        ),
        request=CategoryTargetCreateSerializer,
        responses={201: CategoryTargetSerializer},
    ),
    partial_update=extend_schema(
        description="Change an existing target's count (0 to 10,000).",
        request=CategoryTargetChangeSerializer,
        responses=CategoryTargetSerializer,
    ),
)
class CategoryTargetViewSet(
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = CategoryTargetSerializer
    permission_classes = [IsPortalUser, SetsCategoryTargets]
    http_method_names = ["get", "post", "patch", "head", "options"]
    filterset_fields = ["district", "category"]
    ordering_fields = ["category", "target", "set_at"]

    def get_queryset(self):
        return category_targets_visible_to(self.request.user).order_by("district__code", "category")

    def create(self, request, *args, **kwargs):
        target = domain.category_target_create(
            actor=request.user, **validated(CategoryTargetCreateSerializer, request)
        )
        return Response(CategoryTargetSerializer(target).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        # A PATCH changes the fields it names (as the schema says, every one optional): `{}`
        # names none and changes nothing.
        target = self.get_object()
        change = validated(CategoryTargetChangeSerializer, request, partial=True)
        if change:
            target = domain.category_target_change(
                category_target=target, actor=request.user, **change
            )
        return Response(CategoryTargetSerializer(target).data)
