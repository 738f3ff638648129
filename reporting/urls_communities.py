"""Community indicator pages, wired at communities/ before the resident pages."""

from django.urls import path

from reporting import views_communities as views

app_name = "indicators"

urlpatterns = [
    path("", views.community_list, name="community_list"),
    path("<int:pk>/", views.community_detail, name="community_detail"),
]
