"""API v1 for social workers, volunteer teams and volunteers (read-only)."""

from django.db.models import Count
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import viewsets

from sanlian.api.filters import ApiFilterSet, IdFilter, in_subquery
from socialworkers.models import SocialWorker, Volunteer, VolunteerTeam
from socialworkers.queries import (
    social_workers_visible_to,
    volunteer_teams_visible_to,
    volunteers_visible_to,
)
from socialworkers.serializers import (
    SocialWorkerSerializer,
    VolunteerSerializer,
    VolunteerTeamSerializer,
)


class SocialWorkerFilter(ApiFilterSet):
    community = IdFilter(method="filter_community")
    street = IdFilter(method="filter_street")

    class Meta:
        model = SocialWorker
        fields = ["organization", "qualification", "active", "community", "street"]

    def filter_community(self, queryset, name, value):
        return in_subquery(queryset, "communities", value)

    def filter_street(self, queryset, name, value):
        return in_subquery(queryset, "communities__street", value)


@extend_schema_view(
    list=extend_schema(
        description=(
            "Social workers you may see: staff those serving their communities, organizations "
            "their own, a social worker themself. Phone numbers masked."
        )
    ),
    retrieve=extend_schema(description="One social worker."),
)
class SocialWorkerViewSet(viewsets.ReadOnlyModelViewSet):
    """Professional social workers (社工)."""

    serializer_class = SocialWorkerSerializer
    filterset_class = SocialWorkerFilter
    search_fields = ["name", "certificate_number"]
    ordering_fields = ["name", "qualification"]

    def get_queryset(self):
        return social_workers_visible_to(self.request.user).prefetch_related(
            "communities", "skills"
        )


class VolunteerTeamFilter(ApiFilterSet):
    street = IdFilter(field_name="community__street")
    district = IdFilter(field_name="community__street__district")

    class Meta:
        model = VolunteerTeam
        fields = ["community", "street", "district", "leader"]


@extend_schema_view(
    list=extend_schema(description="Volunteer teams (志愿服务队) you may see, with member counts."),
    retrieve=extend_schema(description="One volunteer team."),
)
class VolunteerTeamViewSet(viewsets.ReadOnlyModelViewSet):
    """Volunteer teams led by social workers."""

    serializer_class = VolunteerTeamSerializer
    filterset_class = VolunteerTeamFilter
    search_fields = ["name"]
    ordering_fields = ["name", "founded_on"]

    def get_queryset(self):
        return (
            volunteer_teams_visible_to(self.request.user)
            .annotate(member_count=Count("members", distinct=True))
            .order_by("name", "pk")
        )


class VolunteerFilter(ApiFilterSet):
    community = IdFilter(field_name="team__community")
    street = IdFilter(field_name="team__community__street")

    class Meta:
        model = Volunteer
        fields = ["team", "community", "street"]


@extend_schema_view(
    list=extend_schema(description="Volunteers you may see, with skills and hours served."),
    retrieve=extend_schema(description="One volunteer; phone masked."),
)
class VolunteerViewSet(viewsets.ReadOnlyModelViewSet):
    """Volunteers (志愿者)."""

    serializer_class = VolunteerSerializer
    filterset_class = VolunteerFilter
    search_fields = ["name"]
    ordering_fields = ["name"]

    def get_queryset(self):
        return volunteers_visible_to(self.request.user).prefetch_related("skills")
