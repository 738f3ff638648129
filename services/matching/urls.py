from django.urls import path

from services.matching import views

app_name = "matching"

urlpatterns = [
    path("", views.run, name="run"),
    path("jobs/<int:pk>/", views.job_detail, name="job"),
    path("jobs/<int:pk>/progress/", views.job_progress, name="job_progress"),
    path("runs/<int:pk>/", views.run_detail, name="run_detail"),
    path("runs/<int:pk>/confirm/", views.run_confirm, name="run_confirm"),
    path("list/", views.match_list, name="list"),
    path("assign/", views.assign, name="assign"),
    path("inbox/", views.inbox, name="inbox"),
    path("<int:pk>/accept/", views.accept, name="accept"),
    path("<int:pk>/decline/", views.decline, name="decline"),
]
