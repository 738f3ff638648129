import django_filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import viewsets

from sanlian.api.filters import CreatedRangeFilterSet, IdFilter, in_subquery
from services.models import CareMode, ServiceOffering, ServiceType
from services.offerings.queries import offerings_visible_to
from services.offerings.serializers import OfferingSerializer, ServiceTypeSerializer


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
