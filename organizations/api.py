"""API v1 for organizations (registration, review) and agreements (request, accept, decline)."""

from django.utils.translation import gettext_lazy
from drf_spectacular.utils import (
    OpenApiExample,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from organizations import domain
from organizations.models import Agreement, Organization
from organizations.queries import agreements_visible_to, membership_of, organizations_visible_to
from organizations.serializers import (
    AgreementRequestSerializer,
    AgreementSerializer,
    OrganizationRegistrationSerializer,
    OrganizationSerializer,
    ReasonSerializer,
    RequiredReasonSerializer,
)
from sanlian.api.filters import CreatedRangeFilterSet, IdFilter, in_subquery
from sanlian.api.throttling import RegistrationRateThrottle

REGISTRATION_EXAMPLE = {
    "name": "优社优家社会工作服务中心",
    "credit_code": "52140105MJ00000010",  # a valid check character (GB 32100-2015)
    "category": "public_welfare",
    "legal_representative": "张法人",
    "contact_name": "李联系",
    "contact_phone": "13900000001",
    "email": "contact@example.org",
    "address": "太原市小店区桃南路1号",
    "home_street": 1,
    "communities": [1],
    "username": "youshe-admin",
    "password": "a long passphrase",
}


class OrganizationFilter(CreatedRangeFilterSet):
    created_field = "submitted_at"
    street = IdFilter(field_name="home_street")
    community = IdFilter(method="filter_community")

    class Meta:
        model = Organization
        fields = ["category", "status", "street", "community"]

    def filter_community(self, queryset, name, value):
        return in_subquery(queryset, "agreements__community", value) | in_subquery(
            queryset, "wants_to_serve", value
        )


def _reason(request, serializer_class=ReasonSerializer) -> str:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data["reason"]


# One answer whether or not the username was free (organizations/domain.py).
REGISTRATION_ACCEPTED = gettext_lazy(
    "登记已提交，等待审核；审核结果和需要您处理的事项会通过电子邮件通知您。"
)
RegistrationAccepted = inline_serializer(
    "RegistrationAccepted", {"detail": serializers.CharField()}
)

REVIEW = extend_schema(
    request=ReasonSerializer,
    responses=OrganizationSerializer,
    examples=[OpenApiExample("Reason", value={"reason": "材料齐全，同意登记。"})],
)
REFUSAL = extend_schema(
    request=RequiredReasonSerializer,
    responses=OrganizationSerializer,
    examples=[OpenApiExample("Reason", value={"reason": "材料不全。"})],
)


@extend_schema_view(
    list=extend_schema(
        description=(
            "Organizations you may see: civil affairs all, street and community staff those "
            "related to their communities, organization staff their own, others the approved ones."
        )
    ),
    retrieve=extend_schema(description="One organization; contact phone masked."),
    create=extend_schema(
        description=(
            "Register an organization online (no login needed). It starts as `submitted`; "
            "the username and password create its administrator account. The answer is the "
            "same `202` whether or not the username was free (a taken one is reported to "
            "the registrant's e-mail address), so it reveals no accounts."
        ),
        request=OrganizationRegistrationSerializer,
        responses={202: RegistrationAccepted},
        examples=[OpenApiExample("Registration", value=REGISTRATION_EXAMPLE, request_only=True)],
        auth=[],
    ),
    approve=extend_schema(description="Approve a submitted organization (reviewers only)."),
    reject=extend_schema(description="Reject a submitted organization; `reason` is required."),
    suspend=extend_schema(description="Suspend an approved organization; `reason` is required."),
    reinstate=extend_schema(description="Reinstate a suspended organization."),
)
class OrganizationViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Social organizations (社会组织): registration and review."""

    serializer_class = OrganizationSerializer
    filterset_class = OrganizationFilter
    search_fields = ["name", "credit_code"]
    ordering_fields = ["name", "submitted_at", "status"]

    def get_queryset(self):
        return organizations_visible_to(self.request.user).prefetch_related("wants_to_serve")

    def get_permissions(self):
        if self.action == "create":
            return [AllowAny()]
        return super().get_permissions()

    def get_throttles(self):
        if self.action == "create":
            return [RegistrationRateThrottle()]
        return super().get_throttles()

    def create(self, request, *args, **kwargs):
        serializer = OrganizationRegistrationSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        domain.organization_register(**serializer.validated_data)
        return Response({"detail": str(REGISTRATION_ACCEPTED)}, status=status.HTTP_202_ACCEPTED)

    def _review(self, request, review, serializer_class=ReasonSerializer) -> Response:
        organization = review(
            organization=self.get_object(),
            reviewer=request.user,
            reason=_reason(request, serializer_class),
        )
        return Response(OrganizationSerializer(organization).data)

    @REVIEW
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self._review(request, domain.organization_approve)

    @REFUSAL
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        return self._review(request, domain.organization_reject, RequiredReasonSerializer)

    @REFUSAL
    @action(detail=True, methods=["post"])
    def suspend(self, request, pk=None):
        return self._review(request, domain.organization_suspend, RequiredReasonSerializer)

    @REVIEW
    @action(detail=True, methods=["post"])
    def reinstate(self, request, pk=None):
        return self._review(request, domain.organization_reinstate)


class AgreementFilter(CreatedRangeFilterSet):
    created_field = "requested_at"
    street = IdFilter(field_name="community__street")
    district = IdFilter(field_name="community__street__district")

    class Meta:
        model = Agreement
        fields = ["organization", "community", "street", "district", "status"]


DECISION = extend_schema(
    request=ReasonSerializer,
    responses=AgreementSerializer,
    examples=[OpenApiExample("Reason", value={"reason": "场地已落实。"})],
)


@extend_schema_view(
    list=extend_schema(
        description="Agreements (入驻协议) you may see: staff their communities', members theirs."
    ),
    retrieve=extend_schema(description="One agreement."),
    create=extend_schema(
        description="An approved organization asks to enter a community (organization staff).",
        request=AgreementRequestSerializer,
        responses={201: AgreementSerializer},
        examples=[
            OpenApiExample(
                "Request",
                value={"community": 1, "venue": None, "start_date": "2026-03-01"},
                request_only=True,
            )
        ],
    ),
    accept=extend_schema(description="Community or street staff accept a pending agreement."),
    decline=extend_schema(description="Decline a pending agreement; `reason` is required."),
)
class AgreementViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Agreements by which organizations enter communities."""

    serializer_class = AgreementSerializer
    filterset_class = AgreementFilter
    search_fields = ["organization__name", "community__name"]
    ordering_fields = ["start_date", "requested_at", "status"]

    def get_queryset(self):
        return agreements_visible_to(self.request.user)

    def create(self, request, *args, **kwargs):
        membership = membership_of(request.user)
        if membership is None:
            raise PermissionDenied("只有社会组织工作人员可以申请入驻。")
        serializer = AgreementRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        agreement = domain.agreement_request(
            organization=membership.organization, actor=request.user, **serializer.validated_data
        )
        return Response(AgreementSerializer(agreement).data, status=status.HTTP_201_CREATED)

    @DECISION
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        agreement = domain.agreement_accept(
            agreement=self.get_object(), actor=request.user, reason=_reason(request)
        )
        return Response(AgreementSerializer(agreement).data)

    @extend_schema(
        request=RequiredReasonSerializer,
        responses=AgreementSerializer,
        examples=[OpenApiExample("Reason", value={"reason": "场地不足。"})],
    )
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        agreement = domain.agreement_decline(
            agreement=self.get_object(),
            actor=request.user,
            reason=_reason(request, RequiredReasonSerializer),
        )
        return Response(AgreementSerializer(agreement).data)
