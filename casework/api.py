"""API v1 for social work (read-only): assessments, cases without notes, callbacks."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import viewsets

from casework.queries import assessments_visible_to, callbacks_visible_to, cases_visible_to
from casework.serializers import AssessmentSerializer, CallbackSerializer, CaseSerializer


@extend_schema_view(
    list=extend_schema(
        description="Ability assessments (GB/T 42195-2022) in your scope: result, who signed."
    ),
    retrieve=extend_schema(description="One ability assessment."),
)
class AssessmentViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = AssessmentSerializer
    filterset_fields = ["resident", "status", "level_rank"]

    def get_queryset(self):
        return assessments_visible_to(self.request.user).order_by("-created_at", "-id")


@extend_schema_view(
    list=extend_schema(description="Case files in your scope; progress notes are never served."),
    retrieve=extend_schema(description="One case file, without its progress notes."),
)
class CaseViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = CaseSerializer
    filterset_fields = ["resident", "status", "source"]

    def get_queryset(self):
        return (
            cases_visible_to(self.request.user)
            .prefetch_related("social_workers")
            .order_by("-opened_at", "-id")
        )


@extend_schema_view(
    list=extend_schema(
        description="Quality callbacks in your scope; organizations see their own results."
    ),
    retrieve=extend_schema(description="One quality callback."),
)
class CallbackViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = CallbackSerializer
    filterset_fields = ["status", "week_start"]

    def get_queryset(self):
        return callbacks_visible_to(self.request.user).order_by("-week_start", "id")
