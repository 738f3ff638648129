"""API v1 for service types, offerings, requests, matches and visits.

Writes go through services.domain; these views only validate input and pick the
object out of the caller's scope (out of scope → 404).
"""

import django_filters
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from communities.queries import residents_visible_to
from sanlian.api.filters import ApiFilterSet, CreatedRangeFilterSet, IdFilter, ReportDateFilter
from sanlian.api.inputs import validated
from sanlian.api.permissions import IsPortalUser
from services.care.domain.requests import request_cancel, request_create
from services.care.domain.visits import (
    feedback_give,
    visit_check_in,
    visit_check_out,
    visit_complete,
)
from services.care.queries import requests_visible_to, visits_visible_to
from services.care.rules import may_file_request
from services.care.serializers import (
    REQUEST_LIST_VALUES,
    CancelSerializer,
    CheckOutSerializer,
    FeedbackSerializer,
    PositionSerializer,
    RequestCreateSerializer,
    RequestSerializer,
    VisitSerializer,
    request_list_rows,
    step_arguments,
)
from services.models import CareMode, ServiceRequest, Visit


class MayFileRequests(IsPortalUser):
    """Creating is for those who file requests (`may_file_request`); other actions are the
    domain's call, on an object out of the caller's scope answering 404 first."""

    message = "只有工作人员、居民本人或家属可以登记服务需求。"

    def has_permission(self, request, view) -> bool:
        if not super().has_permission(request, view):
            return False
        return getattr(view, "action", None) != "create" or may_file_request(request.user)


class RequestFilter(CreatedRangeFilterSet):
    care_mode = django_filters.ChoiceFilter(
        field_name="service_type__care_mode", choices=CareMode.choices
    )
    community = IdFilter(field_name="resident__community")
    street = IdFilter(field_name="resident__community__street")
    district = IdFilter(field_name="resident__community__street__district")

    class Meta:
        model = ServiceRequest
        fields = [
            "status",
            "service_type",
            "care_mode",
            "community",
            "street",
            "district",
            "urgent",
            "channel",
            "resident",
        ]


@extend_schema_view(
    list=extend_schema(description="Service requests you may see."),
    retrieve=extend_schema(description="One service request."),
    create=extend_schema(
        description=(
            "File a request for a resident you may see (yourself, your relative, or a resident "
            "of your community when you are staff). The resident needs a current consent."
        ),
        request=RequestCreateSerializer,
        responses={201: RequestSerializer},
        examples=[
            OpenApiExample(
                "Haircut on Monday or Wednesday morning",
                value={
                    "resident": 1,
                    "service_type": 1,
                    "preferred_days": [0, 2],
                    "preferred_start": "09:00",
                    "preferred_end": "11:30",
                    "notes": "行动不便，请上门",
                    "urgent": False,
                    "channel": "web",
                },
                request_only=True,
            )
        ],
    ),
    cancel=extend_schema(
        description="Cancel an open or matched request; held places are released.",
        request=CancelSerializer,
        responses=RequestSerializer,
    ),
)
class RequestViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Service requests (服务需求) of older residents."""

    serializer_class = RequestSerializer
    filterset_class = RequestFilter
    permission_classes = [MayFileRequests]
    search_fields = ["resident__name", "service_type__name"]
    ordering_fields = ["created_at", "status", "urgent"]

    def get_queryset(self):
        return requests_visible_to(self.request.user)

    def list(self, request, *args, **kwargs):
        # The rows as plain values, formatted without a serializer per row (bench/api.py).
        rows = self.filter_queryset(self.get_queryset()).values(*REQUEST_LIST_VALUES.values())
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(request_list_rows(page))

    def create(self, request, *args, **kwargs):
        data = validated(
            RequestCreateSerializer, request, residents=residents_visible_to(request.user)
        )
        service_request = request_create(filed_by=request.user, **data)
        return Response(RequestSerializer(service_request).data, status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        data = validated(CancelSerializer, request)
        service_request = request_cancel(
            service_request=self.get_object(), actor=request.user, reason=data["reason"]
        )
        return Response(RequestSerializer(service_request).data)


class VisitFilter(ApiFilterSet):
    service_type = IdFilter(field_name="request__service_type")
    care_mode = django_filters.ChoiceFilter(
        field_name="request__service_type__care_mode", choices=CareMode.choices
    )
    community = IdFilter(field_name="request__resident__community")
    street = IdFilter(field_name="request__resident__community__street")
    organization = IdFilter(field_name="offering__organization")
    scheduled_after = ReportDateFilter(field_name="scheduled_start", lookup_expr="date__gte")
    scheduled_before = ReportDateFilter(field_name="scheduled_start", lookup_expr="date__lte")

    class Meta:
        model = Visit
        fields = [
            "status",
            "service_type",
            "care_mode",
            "community",
            "street",
            "organization",
            "social_worker",
            "volunteer",
            "request",
        ]


VISIT_STEP = {"responses": VisitSerializer}


@extend_schema_view(
    list=extend_schema(
        description=(
            "Visits you may see: workers their assignments, organizations theirs, staff their "
            "communities', residents and family their own. Filter by `scheduled_after`/`before`."
        )
    ),
    retrieve=extend_schema(description="One visit."),
    check_in=extend_schema(
        description=(
            "The assigned worker checks in, on the day of the visit. Optionally send the "
            "phone's position (`lat`, `lon` in WGS-84 degrees, `accuracy_m`) or, without one, "
            "a `manual_reason`: the visit's `location_state` becomes `verified` (within "
            "VISIT_VERIFY_RADIUS_M of the resident's address), `off_site`, `no_position` or "
            "`manual`; a check-in earlier than VISIT_EARLY_CHECKIN_MINUTES before the start "
            "sets `early_check_in`. Nothing is refused; flagged visits go to review."
        ),
        request=PositionSerializer,
        examples=[
            OpenApiExample(
                "At the door", value={"lat": 37.8706, "lon": 112.5489, "accuracy_m": 25}
            ),
            OpenApiExample("No signal", value={"manual_reason": "地下室没有信号"}),
        ],
        **VISIT_STEP,
    ),
    check_out=extend_schema(
        description=(
            "The assigned worker checks out and records what was done (`service_log`), with "
            "the same optional position fields as check-in. A visit served for less than "
            "VISIT_MIN_DURATION_SHARE of its duration sets `short_visit`."
        ),
        request=CheckOutSerializer,
        examples=[OpenApiExample("Log", value={"service_log": "理发一次，测量血压 130/85。"})],
        **VISIT_STEP,
    ),
    complete=extend_schema(
        description=(
            "Mark an in-progress visit completed (checks out if not yet done, at the optional "
            "position sent)."
        ),
        request=CheckOutSerializer,
        **VISIT_STEP,
    ),
    feedback=extend_schema(
        description="The resident or a family member rates a completed visit (1–5), once.",
        request=FeedbackSerializer,
        responses={201: FeedbackSerializer},
        examples=[OpenApiExample("Rating", value={"rating": 5, "comment": "很满意"})],
    ),
)
class VisitViewSet(viewsets.ReadOnlyModelViewSet):
    """Visits (上门服务): check-in, check-out, completion and the resident's feedback."""

    serializer_class = VisitSerializer
    filterset_class = VisitFilter
    search_fields = ["request__resident__name", "service_log"]
    ordering_fields = ["scheduled_start", "status"]

    def get_queryset(self):
        return visits_visible_to(self.request.user).select_related(
            "request__resident__community", "feedback"
        )

    @action(detail=True, methods=["post"], url_path="check-in")
    def check_in(self, request, pk=None):
        data = validated(PositionSerializer, request)
        visit = visit_check_in(visit=self.get_object(), actor=request.user, **step_arguments(data))
        return Response(VisitSerializer(visit).data)

    @action(detail=True, methods=["post"], url_path="check-out")
    def check_out(self, request, pk=None):
        data = validated(CheckOutSerializer, request)
        visit = visit_check_out(visit=self.get_object(), actor=request.user, **step_arguments(data))
        return Response(VisitSerializer(visit).data)

    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        data = validated(CheckOutSerializer, request)
        visit = visit_complete(visit=self.get_object(), actor=request.user, **step_arguments(data))
        return Response(VisitSerializer(visit).data)

    @action(detail=True, methods=["post"])
    def feedback(self, request, pk=None):
        data = validated(FeedbackSerializer, request)
        given = feedback_give(visit=self.get_object(), actor=request.user, **data)
        return Response(FeedbackSerializer(given).data, status=status.HTTP_201_CREATED)
