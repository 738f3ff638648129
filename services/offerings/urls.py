"""An organization's offerings, wired at organizations/offerings/ (the address users know)."""

from django.urls import path

from services.offerings import views

app_name = "offerings"

urlpatterns = [
    path("", views.offering_list, name="list"),
    path("new/", views.offering_create, name="create"),
    path("<int:pk>/edit/", views.offering_edit, name="edit"),
    path("<int:pk>/pause/", views.offering_set_status, {"action": "pause"}, name="pause"),
    path("<int:pk>/resume/", views.offering_set_status, {"action": "resume"}, name="resume"),
]
