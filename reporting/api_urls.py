"""City-dashboard figures under /api/v1/stats/: aggregates only (DESIGN.md section 6)."""

from django.urls import path

from reporting import api

urlpatterns = [
    path("stats/", api.StatsIndexView.as_view(), name="stats-index"),
    path("stats/overview/", api.OverviewView.as_view(), name="stats-overview"),
    path("stats/communities/", api.CommunitiesView.as_view(), name="stats-communities"),
    path("stats/streets/", api.StreetsView.as_view(), name="stats-streets"),
    path("stats/districts/", api.DistrictsView.as_view(), name="stats-districts"),
    path("stats/weekly/", api.WeeklyView.as_view(), name="stats-weekly"),
    path("stats/allowances/", api.AllowancesView.as_view(), name="stats-allowances"),
    path("stats/projects/", api.ProjectsView.as_view(), name="stats-projects"),
    path("stats/casework/", api.CaseworkView.as_view(), name="stats-casework"),
    path("stats/activities/", api.ActivitiesView.as_view(), name="stats-activities"),
    path("stats/unmet-demand/", api.UnmetDemandView.as_view(), name="stats-unmet-demand"),
]
