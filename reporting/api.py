"""/api/v1/stats/: aggregate figures for city dashboards; computed by reporting.stats."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from communities.models import PilotBatch
from reporting.stats import (
    ALLOWANCE_BREAKDOWNS,
    StatsFilter,
    stats_activities,
    stats_allowances,
    stats_by_area,
    stats_casework,
    stats_overview,
    stats_projects,
    stats_scope,
    stats_unmet_demand,
    stats_weekly,
)
from sanlian.api.filters import ID_MAX, ID_SCHEMA
from sanlian.api.inputs import ReportDateField, query_data
from sanlian.api.permissions import IsStatsReader
from sanlian.bounds import REPORT_DATE_SCHEMA
from services.models import UnservedRequest


class StatsQuerySerializer(serializers.Serializer):
    district = serializers.IntegerField(required=False, min_value=1, max_value=ID_MAX)
    street = serializers.IntegerField(required=False, min_value=1, max_value=ID_MAX)
    pilot_batch = serializers.ChoiceField(
        choices=[choice for choice, _label in PilotBatch.choices if choice], required=False
    )
    date_from = ReportDateField(required=False)
    date_to = ReportDateField(required=False)

    def validate(self, attrs):
        # The period runs from the earlier date to the later, in either order: a schema
        # cannot say "date_to not before date_from", so no valid pair is refused for it.
        start, end = attrs.get("date_from"), attrs.get("date_to")
        if start and end and start > end:
            attrs["date_from"], attrs["date_to"] = end, start
        return attrs


PARAMETERS = [
    OpenApiParameter("district", ID_SCHEMA, description="District id"),
    OpenApiParameter("street", ID_SCHEMA, description="Street id"),
    OpenApiParameter(
        "pilot_batch", OpenApiTypes.STR, enum=["province", "city"], description="Pilot batch"
    ),
    OpenApiParameter(
        "date_from",
        REPORT_DATE_SCHEMA,
        description=(
            "First day (inclusive; 2000-01-01 to 2099-12-31); counts of people use the Monday "
            "of its week. With `date_to` before it, the two are taken the other way round."
        ),
    ),
    OpenApiParameter(
        "date_to",
        REPORT_DATE_SCHEMA,
        description=(
            "Last day (inclusive; 2000-01-01 to 2099-12-31); counts of people use the Sunday "
            "of its week"
        ),
    ),
]
FIGURE = {"value": 12, "suppressed": False}
SUPPRESSED = {"value": None, "suppressed": True}


class StatsView(APIView):
    """Base: parse the filters, scope them to the caller, return a cached dict."""

    permission_classes = [IsStatsReader]

    def stats_filter(self, request) -> StatsFilter:
        query = StatsQuerySerializer(data=query_data(request))
        query.is_valid(raise_exception=True)
        scope = stats_scope(request.user)
        return StatsFilter(community_ids=scope, **query.validated_data)

    def compute(self, stats_filter: StatsFilter) -> dict:
        raise NotImplementedError

    def get(self, request):
        return Response(self.compute(self.stats_filter(request)))


class OverviewView(StatsView):
    @extend_schema(
        parameters=PARAMETERS,
        responses=OpenApiTypes.OBJECT,
        description=(
            "Totals for the city (or your communities): pilot communities, organizations with an "
            "active agreement, active social workers, residents 60+ served (distinct residents "
            "with a completed visit), requests and visits by status, median days from request to "
            "first visit, average satisfaction, and `allowances`: care accounts, allowances "
            "credited and paid for visits this month (yuan; see /api/v1/stats/allowances/). "
            "Counts of 1–4 people are suppressed (`value: null, suppressed: true`). Figures are "
            "cached: `computed_at` is when they were computed, `age_seconds` how old they are "
            "now (never more than `max_age_seconds`)."
        ),
        examples=[
            OpenApiExample(
                "Overview",
                value={
                    "computed_at": "2026-03-02T09:30:00+08:00",
                    "generated_at": "2026-03-02T09:30:00+08:00",
                    "age_seconds": 42,
                    "max_age_seconds": 300,
                    "filters": {
                        "district": None,
                        "street": None,
                        "pilot_batch": None,
                        "date_from": None,
                        "date_to": None,
                    },
                    "communities": 50,
                    "pilot_communities": 50,
                    "organizations_entered": 37,
                    "social_workers": 96,
                    "residents_60_plus_served": FIGURE,
                    "requests_by_status": {"open": FIGURE, "cancelled": SUPPRESSED},
                    "visits_by_status": {"completed": FIGURE},
                    "median_days_to_first_visit": {"value": 3.5, "suppressed": False},
                    "average_satisfaction": {"value": 4.6, "suppressed": False},
                    "ratings": FIGURE,
                    "allowances": {
                        "care_accounts": FIGURE,
                        "credited_this_month": {"value": "12000.00", "suppressed": False},
                        "paid_from_allowances_this_month": {"value": "850.50", "suppressed": False},
                    },
                },
            )
        ],
    )
    def get(self, request):
        return super().get(request)

    def compute(self, stats_filter):
        return stats_overview(stats_filter)


def _money(value: str | None) -> dict:
    return {"value": value, "suppressed": value is None}


ALLOWANCE_FIGURES = {
    "care_accounts": FIGURE,
    "residents_credited": FIGURE,
    "credited": _money("12000.00"),
    "residents_paid_for_visits": FIGURE,
    "visits_paid_from_allowances": {"value": 40, "suppressed": False},
    "paid_from_allowances": _money("850.50"),
    "co_payments": _money("120.00"),
    "corrections": {
        "entries": SUPPRESSED,
        "allowance_change": SUPPRESSED,
        "co_payment_change": SUPPRESSED,
    },
}


class AllowancesQuerySerializer(serializers.Serializer):
    breakdown = serializers.ChoiceField(choices=list(ALLOWANCE_BREAKDOWNS), default="district")


class AllowancesView(StatsView):
    @extend_schema(
        parameters=[
            *PARAMETERS,
            OpenApiParameter(
                "breakdown",
                OpenApiTypes.STR,
                enum=list(ALLOWANCE_BREAKDOWNS),
                description="Rows per district (default), street or community",
            ),
        ],
        responses=OpenApiTypes.OBJECT,
        description=(
            "Monetary elderly care (货币养老) for whole months: every month from `date_from`'s "
            "to `date_to`'s, the current month by default. Care accounts, residents credited, "
            "allowances credited (by the month they are for), paid from allowances for visits, "
            "co-payments recorded and corrections (signed; by booking day), settlement "
            "statements by status with their totals (from their lines in the area), and one "
            "row per district (`districts`), or with `breakdown=street` / `community` one row "
            "per street (`streets`) or community (`communities`). Amounts are yuan strings "
            "with two decimals. Counts of 1–4 residents are suppressed, and so is every amount "
            "or count those 1–4 residents account for (`value: null, suppressed: true`). "
            "Cached: see `age_seconds`."
        ),
        examples=[
            OpenApiExample(
                "Allowances",
                value={
                    "computed_at": "2026-03-02T09:30:00+08:00",
                    "generated_at": "2026-03-02T09:30:00+08:00",
                    "age_seconds": 42,
                    "max_age_seconds": 300,
                    "filters": {
                        "district": None,
                        "street": None,
                        "pilot_batch": None,
                        "date_from": None,
                        "date_to": None,
                    },
                    "months": {"first": "2026-03", "last": "2026-03"},
                    **ALLOWANCE_FIGURES,
                    "statements_by_status": {
                        "draft": {
                            "statements": 3,
                            "visits": FIGURE,
                            "allowance": _money("320.00"),
                            "co_payments": _money("40.00"),
                        },
                        "approved": {
                            "statements": 1,
                            "visits": SUPPRESSED,
                            "allowance": SUPPRESSED,
                            "co_payments": SUPPRESSED,
                        },
                    },
                    "districts": [
                        {"id": 1, "code": "140105", "name": "小店区", **ALLOWANCE_FIGURES}
                    ],
                },
            )
        ],
    )
    def get(self, request):
        stats_filter = self.stats_filter(request)
        query = AllowancesQuerySerializer(data=query_data(request))
        query.is_valid(raise_exception=True)
        return Response(stats_allowances(stats_filter, **query.validated_data))


AREA_DESCRIPTION = (
    "Indicators per {level} against the pilot targets (facility m² per 100 households ≥ 30, "
    "social workers per community ≥ 2), organizations entered, requests, completed visits, "
    "residents served and average rating; small counts suppressed. Cached: see `age_seconds`."
)


class CommunitiesView(StatsView):
    @extend_schema(
        parameters=PARAMETERS,
        responses=OpenApiTypes.OBJECT,
        description=AREA_DESCRIPTION.format(level="community"),
    )
    def get(self, request):
        return super().get(request)

    def compute(self, stats_filter):
        return stats_by_area(stats_filter, level="community")


class StreetsView(StatsView):
    @extend_schema(
        parameters=PARAMETERS,
        responses=OpenApiTypes.OBJECT,
        description=AREA_DESCRIPTION.format(level="street (rollup of its communities)"),
    )
    def get(self, request):
        return super().get(request)

    def compute(self, stats_filter):
        return stats_by_area(stats_filter, level="street")


class DistrictsView(StatsView):
    @extend_schema(
        parameters=PARAMETERS,
        responses=OpenApiTypes.OBJECT,
        description=AREA_DESCRIPTION.format(level="district (rollup of its communities)"),
    )
    def get(self, request):
        return super().get(request)

    def compute(self, stats_filter):
        return stats_by_area(stats_filter, level="district")


class WeeklyView(StatsView):
    @extend_schema(
        parameters=PARAMETERS,
        responses=OpenApiTypes.OBJECT,
        description=(
            "Weekly series (Monday to Sunday) of requests filed, visits completed, ratings given "
            "and average rating; the last 12 weeks unless `date_from`/`date_to` say otherwise."
        ),
        examples=[
            OpenApiExample(
                "Weekly",
                value={
                    "generated_at": "2026-03-02T09:30:00+08:00",
                    "results": [
                        {
                            "week_start": "2026-02-23",
                            "requests": FIGURE,
                            "visits_completed": FIGURE,
                            "ratings": SUPPRESSED,
                            "average_rating": SUPPRESSED,
                        }
                    ],
                },
            )
        ],
    )
    def get(self, request):
        return super().get(request)

    def compute(self, stats_filter):
        return stats_weekly(stats_filter)


class ProjectsView(StatsView):
    @extend_schema(
        parameters=PARAMETERS,
        responses=OpenApiTypes.OBJECT,
        description=(
            "Government purchase of services: contracts serving the filtered communities, "
            "funds committed and paid (yuan strings) in total and per district and "
            "organization category (a contract serving several districts counts in each), "
            "and per contract the verified visits (computed from check-in/out records) and "
            "the amount paid per verified visit; organizations incubating, graduated and "
            "withdrawn per district (of their home street) and category; and, per district "
            "and each of the five categories, approved organizations based there against the "
            "bureau's target, incubating and graduated counts and the funds committed and paid "
            "(`cultivation_by_district_and_category`; `whole_district` is false when the "
            "scope covers only some of its streets). Cached: see `age_seconds`."
        ),
    )
    def get(self, request):
        return Response(stats_projects(self.stats_filter(request)))


class UnmetDemandView(StatsView):
    @extend_schema(
        parameters=PARAMETERS,
        responses=OpenApiTypes.OBJECT,
        description=(
            "Open requests that matching could not serve, per service type and community and "
            "by reason (the latest run's verdict): no_offering, no_agreement, no_window, full, "
            "taken. A standing backlog: date filters do not apply. Small counts suppressed."
        ),
    )
    def get(self, request):
        figures = self.compute(self.stats_filter(request))
        return Response({**figures, "reason_labels": dict(UnservedRequest.Code.choices)})

    def compute(self, stats_filter):
        return stats_unmet_demand(stats_filter)


class CaseworkView(StatsView):
    @extend_schema(
        parameters=PARAMETERS,
        responses=OpenApiTypes.OBJECT,
        description=(
            "Social work: per community the residents by ability level of their latest signed "
            "assessment (GB/T 42195-2022; `levels` names the ranks), never assessed, due and "
            "overdue for (re)assessment (a year after the last, or after a visit log flagged "
            "a change); per organization the completed visits in the period, callbacks made "
            "and visits confirmed, with coverage and confirmed percentages. Small counts "
            "suppressed. Cached: see `age_seconds`."
        ),
    )
    def get(self, request):
        return super().get(request)

    def compute(self, stats_filter):
        return stats_casework(stats_filter)


ACTIVITY_ROW = {
    "activities_held": 6,
    "venue_hours": 14.0,
    "venues_used": 2,
    "suggestions": {"open": 3, "answered": 1, "done": 4},
    "attendances": FIGURE,
    "volunteers": FIGURE,
    "helpers": SUPPRESSED,
    "volunteer_hours": {"value": 36.5, "suppressed": False},
    "mutual_help_hours": SUPPRESSED,
}


class ActivitiesView(StatsView):
    @extend_schema(
        parameters=PARAMETERS,
        responses=OpenApiTypes.OBJECT,
        description=(
            "Community activities (社区活动), volunteering and mutual help (时间银行), in total "
            "(`total`) and per community (`results`): activities held (published, ended, "
            "started in the period), venue hours booked by published activities and venues "
            "used (the facility-use figure), attendances taken, volunteer hours (shift "
            "attendance and completed visits) and the volunteers who served them, confirmed "
            "mutual-help hours and the helpers, suggestions made in the period by status. "
            "Counts of 1–4 people are suppressed, with their complements across the area tree, "
            "and so are the hours they served. Cached: see `age_seconds`."
        ),
        examples=[
            OpenApiExample(
                "Activities",
                value={
                    "computed_at": "2026-03-02T09:30:00+08:00",
                    "age_seconds": 42,
                    "max_age_seconds": 300,
                    "total": ACTIVITY_ROW,
                    "results": [
                        {"id": 7, "code": "140105001001", "name": "桃南二社区", **ACTIVITY_ROW}
                    ],
                },
            )
        ],
    )
    def get(self, request):
        return super().get(request)

    def compute(self, stats_filter):
        return stats_activities(stats_filter)


STATS_ENDPOINTS = (
    ("overview", "stats-overview", "Totals for the city or your communities"),
    ("communities", "stats-communities", "Figures per community"),
    ("streets", "stats-streets", "Figures per street"),
    ("districts", "stats-districts", "Figures per district"),
    ("weekly", "stats-weekly", "Requests, visits and ratings per week"),
    ("allowances", "stats-allowances", "Care accounts and allowances (yuan)"),
    ("projects", "stats-projects", "Funded projects and their indicators"),
    ("unmet-demand", "stats-unmet-demand", "Requests no organization could take"),
    ("casework", "stats-casework", "Assessed ability levels, assessments due, callbacks"),
    ("activities", "stats-activities", "Activities, volunteer and mutual-help hours, venue use"),
)


class StatsIndexView(APIView):
    """The stats endpoints a dashboard client may read, with their absolute URLs."""

    permission_classes = [IsStatsReader]

    @extend_schema(
        responses=OpenApiTypes.OBJECT,
        description="Index of /api/v1/stats/: each endpoint's name, URL and what it counts.",
    )
    def get(self, request):
        return Response(
            {
                name: {"url": reverse(f"api:{route}", request=request), "description": text}
                for name, route, text in STATS_ENDPOINTS
            }
        )
