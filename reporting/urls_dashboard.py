"""Dashboard pages, wired at dashboard/."""

from django.urls import path

from reporting import views_dashboard as views

app_name = "dashboard"

urlpatterns = [path("", views.dashboard, name="index")]
