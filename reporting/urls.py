"""The home page of every role, wired at the site root (no namespace: it is "home")."""

from django.urls import path

from reporting import views

urlpatterns = [path("", views.home, name="home")]
