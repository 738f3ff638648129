"""API v1 for districts, streets, communities, venues and residents (read-only)."""

import django_filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.response import Response

from communities.models import Community, District, Resident, Venue
from communities.privacy import resident_view_log
from communities.queries import (
    communities_visible_to,
    community_indicator_annotations,
    residents_visible_to,
    streets_visible_to,
)
from communities.serializers import (
    CommunitySerializer,
    DistrictSerializer,
    ResidentSerializer,
    StreetSerializer,
    VenueSerializer,
)
from sanlian.api.filters import ApiFilterSet, CreatedRangeFilterSet, IdFilter
from sanlian.client_address import client_address


@extend_schema_view(
    list=extend_schema(description="Districts holding at least one community you can see."),
    retrieve=extend_schema(description="One district."),
)
class DistrictViewSet(viewsets.ReadOnlyModelViewSet):
    """Districts (区) of the city."""

    serializer_class = DistrictSerializer
    search_fields = ["name", "code"]
    ordering_fields = ["code", "name"]

    def get_queryset(self):
        streets = streets_visible_to(self.request.user)
        return District.objects.filter(pk__in=streets.values("district_id"))


@extend_schema_view(
    list=extend_schema(description="Streets (街道) you can see; filter by `district`."),
    retrieve=extend_schema(description="One street."),
)
class StreetViewSet(viewsets.ReadOnlyModelViewSet):
    """Street offices (街道) of the city."""

    serializer_class = StreetSerializer
    filterset_fields = ["district"]
    search_fields = ["name", "code"]
    ordering_fields = ["code", "name"]

    def get_queryset(self):
        return streets_visible_to(self.request.user)


class CommunityFilter(ApiFilterSet):
    district = IdFilter(field_name="street__district")
    street = IdFilter(field_name="street")
    pilot_batch = django_filters.ChoiceFilter(
        choices=Community._meta.get_field("pilot_batch").choices
    )

    class Meta:
        model = Community
        fields = ["district", "street", "pilot_batch"]


@extend_schema_view(
    list=extend_schema(
        description=(
            "Communities you can see, each with its indicators against the pilot targets: "
            "facility m² per 100 households (target 30), active social workers (target 2) "
            "and organizations entered (active agreements)."
        )
    ),
    retrieve=extend_schema(description="One community with its indicators."),
)
class CommunityViewSet(viewsets.ReadOnlyModelViewSet):
    """Communities (社区) with their pilot indicators."""

    serializer_class = CommunitySerializer
    filterset_class = CommunityFilter
    search_fields = ["name", "code"]
    ordering_fields = ["code", "name", "households", "population", "residents_60_plus"]

    def get_queryset(self):
        return communities_visible_to(self.request.user).annotate(
            **community_indicator_annotations()
        )


class VenueFilter(ApiFilterSet):
    district = IdFilter(field_name="community__street__district")
    street = IdFilter(field_name="community__street")

    class Meta:
        model = Venue
        fields = ["community", "street", "district", "kind"]


@extend_schema_view(
    list=extend_schema(description="Venues (场地) in the communities you can see."),
    retrieve=extend_schema(description="One venue."),
)
class VenueViewSet(viewsets.ReadOnlyModelViewSet):
    """Community spaces offered to organizations: day-care centres, activity rooms, canteens."""

    serializer_class = VenueSerializer
    filterset_class = VenueFilter
    search_fields = ["name"]
    ordering_fields = ["name", "area_m2", "capacity"]

    def get_queryset(self):
        communities = communities_visible_to(self.request.user)
        return Venue.objects.select_related("community").filter(
            community_id__in=communities.values("pk")
        )


class ResidentFilter(CreatedRangeFilterSet):
    district = IdFilter(field_name="community__street__district")
    street = IdFilter(field_name="community__street")

    class Meta:
        model = Resident
        fields = ["community", "street", "district", "living_situation", "care_level"]


@extend_schema_view(
    list=extend_schema(
        description=(
            "Older residents you may see: staff see their communities, organizations the people "
            "they serve, workers the people they visit, residents themselves and their family. "
            "ID-card and phone numbers are always masked."
        )
    ),
    retrieve=extend_schema(
        description="One resident, identifiers masked. Each read is written to the access log."
    ),
)
class ResidentViewSet(viewsets.ReadOnlyModelViewSet):
    """Older residents (老年居民)."""

    serializer_class = ResidentSerializer
    filterset_class = ResidentFilter
    search_fields = ["name"]
    ordering_fields = ["name", "created_at", "birth_date"]

    def get_queryset(self):
        return residents_visible_to(self.request.user)

    def retrieve(self, request, *args, **kwargs):
        # PIPL: opening one person's record is logged, as on the staff detail page.
        resident = self.get_object()
        resident_view_log(
            actor=request.user, resident=resident, client_address=client_address(request)
        )
        return Response(self.get_serializer(resident).data)
