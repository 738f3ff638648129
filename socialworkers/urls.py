from django.urls import path

from socialworkers import views

app_name = "socialworkers"

urlpatterns = [
    path("", views.social_worker_list, name="list"),
    path("new/", views.social_worker_create, name="create"),
    path("<int:pk>/", views.social_worker_detail, name="detail"),
    path("<int:pk>/edit/", views.social_worker_edit, name="edit"),
    path("coverage/", views.coverage, name="coverage"),
    path("teams/", views.team_list, name="team_list"),
    path("teams/new/", views.team_create, name="team_create"),
    path("teams/<int:pk>/", views.team_detail, name="team_detail"),
    path("teams/<int:pk>/edit/", views.team_edit, name="team_edit"),
    path("volunteers/", views.volunteer_list, name="volunteer_list"),
    path("volunteers/new/", views.volunteer_create, name="volunteer_create"),
    path("volunteers/<int:pk>/edit/", views.volunteer_edit, name="volunteer_edit"),
]
