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
from sanlian.api.filters import CreatedRangeFilterSet, IdFilter, in_subquery
from sanlian.api.permissions import CanFileRequests
from services.domain.matches import match_accept, match_confirm, match_decline
from services.domain.requests import request_cancel, request_create
from services.domain.visits import feedback_give, visit_check_in, visit_check_out, visit_complete
from services.models import CareMode, Match, ServiceOffering, ServiceRequest, ServiceType, Visit
from services.queries import (
    matches_visible_to,
    offerings_visible_to,
    requests_visible_to,
    visits_visible_to,
)
from services.serializers import (
    REQUEST_LIST_VALUES,
    CancelSerializer,
    DeclineSerializer,
    FeedbackSerializer,
    MatchSerializer,
    OfferingSerializer,
    RequestCreateSerializer,
    RequestSerializer,
    ServiceLogSerializer,
    ServiceTypeSerializer,
    VisitSerializer,
    request_list_rows,
)


def _valid(serializer_class, request, **kwargs) -> dict:
    serializer = serializer_class(data=request.data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


@extend_schema_view(
    list=extend_schema(description="The catalogue of service types; filter by `care_mode`."),
    retrieve=extend_schema(description="One service type."),
)
class ServiceTypeViewSet(viewsets.ReadOnlyModelViewSet):
    """Service types (haircut, blood pressure, companionship ...) and their care mode."""

    serializer_class = ServiceTypeSerializer
    filterset_fields = ["care_mode"]
    search_fields = ["name", "code"]
    ordering_fields = ["name", "code", "care_mode"]

    def get_queryset(self):
        # The catalogue is public to every portal user: it names services, not people.
        return ServiceType.objects.all()


class OfferingFilter(CreatedRangeFilterSet):
    care_mode = django_filters.ChoiceFilter(
        field_name="service_type__care_mode", choices=CareMode.choices
    )
    community = IdFilter(method="filter_community")
    street = IdFilter(method="filter_street")

    class Meta:
        model = ServiceOffering
        fields = [
            "organization",
            "service_type",
            "care_mode",
            "status",
            "price_class",
            "community",
            "street",
        ]

    def filter_community(self, queryset, name, value):
        return in_subquery(queryset, "communities", value)

    def filter_street(self, queryset, name, value):
        return in_subquery(queryset, "communities__street", value)


@extend_schema_view(
    list=extend_schema(description="Service offerings you may see, with weekly time windows."),
    retrieve=extend_schema(description="One offering."),
)
class OfferingViewSet(viewsets.ReadOnlyModelViewSet):
    """What organizations offer: a service type in some communities, with weekly capacity."""

    serializer_class = OfferingSerializer
    filterset_class = OfferingFilter
    search_fields = ["organization__name", "service_type__name", "description"]
    ordering_fields = ["created_at", "weekly_capacity", "price_fen"]

    def get_queryset(self):
        return offerings_visible_to(self.request.user).prefetch_related("communities", "windows")


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
    permission_classes = [CanFileRequests]
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
        data = _valid(
            RequestCreateSerializer, request, residents=residents_visible_to(request.user)
        )
        service_request = request_create(filed_by=request.user, **data)
        return Response(RequestSerializer(service_request).data, status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        data = _valid(CancelSerializer, request)
        service_request = request_cancel(
            service_request=self.get_object(), actor=request.user, reason=data["reason"]
        )
        return Response(RequestSerializer(service_request).data)


class MatchFilter(CreatedRangeFilterSet):
    created_field = "proposed_at"
    organization = IdFilter(field_name="offering__organization")
    service_type = IdFilter(field_name="request__service_type")
    community = IdFilter(field_name="request__resident__community")
    street = IdFilter(field_name="request__resident__community__street")

    class Meta:
        model = Match
        fields = ["status", "offering", "organization", "service_type", "community", "street"]


@extend_schema_view(
    list=extend_schema(
        description=(
            "Matches of requests to offerings. Organizations see those staff have confirmed; "
            "residents their accepted ones."
        )
    ),
    retrieve=extend_schema(description="One match, with its human-readable reason."),
    confirm=extend_schema(
        description="Staff confirm a proposed match: it takes a place, then goes to the org.",
        request=None,
        responses=MatchSerializer,
    ),
    accept=extend_schema(
        description="The organization accepts a confirmed match.",
        request=None,
        responses=MatchSerializer,
    ),
    decline=extend_schema(
        description="The organization declines a confirmed match; `reason` is required.",
        request=DeclineSerializer,
        responses=MatchSerializer,
        examples=[OpenApiExample("Decline", value={"reason": "本周人手不足"})],
    ),
)
class MatchViewSet(viewsets.ReadOnlyModelViewSet):
    """Matches (匹配) proposed by the matcher and answered by organizations."""

    serializer_class = MatchSerializer
    filterset_class = MatchFilter
    search_fields = ["request__resident__name", "offering__organization__name"]
    ordering_fields = ["proposed_at", "score", "status"]

    def get_queryset(self):
        return matches_visible_to(self.request.user)

    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        return Response(
            MatchSerializer(match_confirm(match=self.get_object(), user=request.user)).data
        )

    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        return Response(
            MatchSerializer(match_accept(match=self.get_object(), user=request.user)).data
        )

    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        data = _valid(DeclineSerializer, request)
        match = match_decline(match=self.get_object(), user=request.user, reason=data["reason"])
        return Response(MatchSerializer(match).data)


class VisitFilter(django_filters.FilterSet):
    service_type = IdFilter(field_name="request__service_type")
    care_mode = django_filters.ChoiceFilter(
        field_name="request__service_type__care_mode", choices=CareMode.choices
    )
    community = IdFilter(field_name="request__resident__community")
    street = IdFilter(field_name="request__resident__community__street")
    organization = IdFilter(field_name="offering__organization")
    scheduled_after = django_filters.DateFilter(
        field_name="scheduled_start", lookup_expr="date__gte"
    )
    scheduled_before = django_filters.DateFilter(
        field_name="scheduled_start", lookup_expr="date__lte"
    )

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
        description="The assigned worker checks in, on the day of the visit.",
        request=None,
        **VISIT_STEP,
    ),
    check_out=extend_schema(
        description="The assigned worker checks out and records what was done (`service_log`).",
        request=ServiceLogSerializer,
        examples=[OpenApiExample("Log", value={"service_log": "理发一次，测量血压 130/85。"})],
        **VISIT_STEP,
    ),
    complete=extend_schema(
        description="Mark an in-progress visit completed (checks out if not yet done).",
        request=ServiceLogSerializer,
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
        visit = visit_check_in(visit=self.get_object(), actor=request.user)
        return Response(VisitSerializer(visit).data)

    @action(detail=True, methods=["post"], url_path="check-out")
    def check_out(self, request, pk=None):
        data = _valid(ServiceLogSerializer, request)
        visit = visit_check_out(visit=self.get_object(), actor=request.user, **data)
        return Response(VisitSerializer(visit).data)

    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        data = _valid(ServiceLogSerializer, request)
        visit = visit_complete(visit=self.get_object(), actor=request.user, **data)
        return Response(VisitSerializer(visit).data)

    @action(detail=True, methods=["post"])
    def feedback(self, request, pk=None):
        data = _valid(FeedbackSerializer, request)
        given = feedback_give(visit=self.get_object(), actor=request.user, **data)
        return Response(FeedbackSerializer(given).data, status=status.HTTP_201_CREATED)
