"""Dashboard pages (wired at dashboard/) and exports (wired at exports/)."""

from django.urls import path

from sanlian import views_dashboard as views

dashboard_patterns = (
    [path("", views.dashboard, name="index")],
    "dashboard",
)

export_patterns = (
    [
        path("", views.export_index, name="index"),
        path("<int:pk>/", views.export_job, name="job"),
        path("<int:pk>/progress/", views.export_job_progress, name="progress"),
        path("<int:pk>/download/", views.export_download, name="download"),
    ],
    "exports",
)
