"""API v1 for activities, sign-ups, time-bank accounts and suggestions.

Writes go through activities.domain; out-of-scope objects answer 404, refusals 403/400.
"""

from django.core.exceptions import PermissionDenied
from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from activities.domain.activities import (
    activity_feedback_give,
    signup_cancel,
    signup_create,
    signup_mark_attended,
)
from activities.queries import (
    activities_visible_to,
    signups_visible_to,
    suggestions_visible_to,
    time_bank_accounts_visible_to,
)
from activities.rules import may_sign_up_residents
from activities.serializers import (
    ActivitySerializer,
    FeedbackInput,
    SignUpInput,
    SignupSerializer,
    SuggestionSerializer,
    TimeBankAccountSerializer,
)
from communities.queries import residents_visible_to
from sanlian.api.inputs import validated


class ActivityViewSet(viewsets.ReadOnlyModelViewSet):
    """Community activities (社区活动) at venues; sign up with `sign-up/`."""

    serializer_class = ActivitySerializer
    filterset_fields = ["venue", "community", "organization", "team", "status", "open_to"]
    search_fields = ["title"]
    ordering_fields = ["starts_at"]

    def get_queryset(self):
        return activities_visible_to(self.request.user).order_by("starts_at", "pk")

    @extend_schema(request=SignUpInput, responses=SignupSerializer)
    @action(detail=True, methods=["post"], url_path="sign-up")
    def sign_up(self, request, pk=None):
        if not may_sign_up_residents(request.user):
            raise PermissionDenied
        activity = self.get_object()  # out of scope: 404 before the input is read
        data = validated(SignUpInput, request, residents=residents_visible_to(request.user))
        signup = signup_create(actor=request.user, activity=activity, **data)
        return Response(SignupSerializer(signup).data, status=status.HTTP_201_CREATED)


class SignupViewSet(viewsets.ReadOnlyModelViewSet):
    """Sign-ups you may see: your own (resident side) or those of activities you run."""

    serializer_class = SignupSerializer
    filterset_fields = ["activity", "status"]

    def get_queryset(self):
        return signups_visible_to(self.request.user).order_by("created_at", "pk")

    @extend_schema(request=None, responses=SignupSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        signup = self.get_object()
        signup_cancel(actor=request.user, signup=signup)
        signup.refresh_from_db()
        return Response(SignupSerializer(signup).data)

    @extend_schema(request=None, responses=SignupSerializer)
    @action(detail=True, methods=["post"])
    def attend(self, request, pk=None):
        signup = signup_mark_attended(actor=request.user, signup=self.get_object())
        return Response(SignupSerializer(signup).data)

    @extend_schema(request=FeedbackInput, responses=FeedbackInput)
    @action(detail=True, methods=["post"])
    def feedback(self, request, pk=None):
        data = validated(FeedbackInput, request)
        given = activity_feedback_give(actor=request.user, signup=self.get_object(), **data)
        return Response(FeedbackInput(given).data, status=status.HTTP_201_CREATED)


class TimeBankAccountViewSet(viewsets.ReadOnlyModelViewSet):
    """Time-bank (时间银行) balances in minutes."""

    serializer_class = TimeBankAccountSerializer

    def get_queryset(self):
        return time_bank_accounts_visible_to(self.request.user).order_by("pk")


class SuggestionViewSet(viewsets.ReadOnlyModelViewSet):
    """Suggestions (建言献策) to communities."""

    serializer_class = SuggestionSerializer
    filterset_fields = ["community", "status"]

    def get_queryset(self):
        return suggestions_visible_to(self.request.user)
