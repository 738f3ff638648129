import datetime

from django.utils import timezone
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from sanlian.api.filters import CreatedRangeFilterSet, IdFilter
from sanlian.api.inputs import validated
from sanlian.job_queue import job_enqueue_after_commit
from services.matching.domain import match_accept, match_confirm, match_decline
from services.matching.jobs import matching_job_start
from services.matching.models import MatchingJob
from services.matching.queries import matches_visible_to
from services.matching.serializers import (
    DeclineSerializer,
    MatchingJobCreateSerializer,
    MatchingJobSerializer,
    MatchSerializer,
)
from services.matching.tasks import task_run_matching
from services.models import Match
from services.offerings.models import week_start_of


def _next_week() -> str:
    """The example's week: next week as of start-up (a past week is refused with 409)."""
    return (week_start_of(timezone.localdate()) + datetime.timedelta(days=7)).isoformat()


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
        data = validated(DeclineSerializer, request)
        match = match_decline(match=self.get_object(), user=request.user, reason=data["reason"])
        return Response(MatchSerializer(match).data)


@extend_schema_view(
    list=extend_schema(description="Your matching jobs, newest first."),
    retrieve=extend_schema(description="One matching job: status, progress and, once done, run."),
    create=extend_schema(
        description=(
            "Start a matching run for one week over one scope: `city: true` (civil affairs "
            "only: every street), a `street` or a `community` id in your reach. Runs in the "
            "background; poll the job. A run over an overlapping scope and week already "
            "running is refused by the job (status failed, with the message)."
        ),
        request=MatchingJobCreateSerializer,
        responses=MatchingJobSerializer,
        examples=[OpenApiExample("City-wide", value={"city": True, "week_start": _next_week()})],
    ),
)
class MatchingJobViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Matching jobs (匹配任务) started by staff."""

    serializer_class = MatchingJobSerializer
    filterset_fields = ["status"]
    ordering_fields = ["created_at"]

    def get_queryset(self):
        return MatchingJob.objects.filter(owner_id=self.request.user.pk).select_related(
            "street", "community"
        )

    def create(self, request, *args, **kwargs):
        data = validated(MatchingJobCreateSerializer, request)
        job = matching_job_start(user=request.user, **data)
        job_enqueue_after_commit(task_run_matching, job_id=job.pk)
        return Response(MatchingJobSerializer(job).data, status=status.HTTP_201_CREATED)
