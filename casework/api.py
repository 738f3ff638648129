"""API v1 for social work: assessments, cases without notes (read-only), and callbacks,
which organizations read and social workers record. Writes go through casework.domain;
an object out of the caller's scope answers 404, a refusal 403 or 400 with its reason."""

from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from casework.domain import callback_record
from casework.models import Callback
from casework.queries import assessments_visible_to, callbacks_visible_to, cases_visible_to
from casework.serializers import (
    AssessmentSerializer,
    CallbackRecordSerializer,
    CallbackSerializer,
    CaseSerializer,
)
from sanlian.api.filters import ApiFilterSet, IdFilter
from sanlian.api.inputs import validated


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


class CallbackFilter(ApiFilterSet):
    organization = IdFilter(field_name="visit__offering__organization")

    class Meta:
        model = Callback
        fields = ["status", "week_start", "organization", "happened_as_logged"]


@extend_schema_view(
    list=extend_schema(
        description=(
            "Quality callbacks (回访) in your scope. An organization reads its own visits' "
            "results: whether the visit happened as logged and the quality score (1–5), never "
            "the resident or the caller's comment. A social worker reads the callbacks they "
            "are to make: `?status=pending` is their list still to call. Staff read their "
            "area's, civil affairs all."
        )
    ),
    retrieve=extend_schema(description="One quality callback."),
    record=extend_schema(
        description=(
            "The social worker the callback was given to records the call, once: `reached` "
            "false marks the resident unreachable; reached, `happened_as_logged` and "
            "`quality_score` are required. Anyone else is refused (403, with the reason); a "
            "callback already recorded answers 400. A visit found not as logged can then be "
            "followed up on the callback's page (open a case, reverse the charge)."
        ),
        request=CallbackRecordSerializer,
        responses=CallbackSerializer,
        examples=[
            OpenApiExample(
                "Confirmed",
                value={"reached": True, "happened_as_logged": True, "quality_score": 5},
                request_only=True,
            ),
            OpenApiExample("No answer", value={"reached": False}, request_only=True),
        ],
    ),
)
class CallbackViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = CallbackSerializer
    filterset_class = CallbackFilter

    def get_queryset(self):
        return callbacks_visible_to(self.request.user).order_by("-week_start", "id")

    @action(detail=True, methods=["post"])
    def record(self, request, pk=None):
        callback = self.get_object()  # out of scope: 404 before the input is read
        data = validated(CallbackRecordSerializer, request)
        done = callback_record(callback=callback, actor=request.user, **data)
        return Response(CallbackSerializer(done).data)
