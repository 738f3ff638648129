"""Exports built in the background, wired at exports/."""

from django.urls import path

from reporting import views_dashboard as views

app_name = "exports"

urlpatterns = [
    path("", views.export_index, name="index"),
    path("<int:pk>/", views.export_job, name="job"),
    path("<int:pk>/progress/", views.export_job_progress, name="progress"),
    path("<int:pk>/download/", views.export_download, name="download"),
]
