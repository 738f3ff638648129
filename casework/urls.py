from django.urls import path

from casework import views

app_name = "casework"

urlpatterns = [
    path("assessments/due/", views.assessment_due, name="assessment_due"),
    path("residents/<int:pk>/", views.resident_assessments, name="resident"),
    path("residents/<int:pk>/assess/", views.assessment_start, name="assessment_start"),
    path("residents/<int:pk>/open-case/", views.case_open, name="case_open"),
    path("assessments/<int:pk>/", views.assessment_detail, name="assessment"),
    path(
        "assessments/<int:pk>/second-sign/",
        views.assessment_second_sign,
        name="assessment_second_sign",
    ),
    path("cases/", views.case_list, name="cases"),
    path("cases/<int:pk>/", views.case_detail, name="case"),
    path("cases/<int:pk>/plan/", views.case_plan, name="case_plan"),
    path("cases/<int:pk>/services/", views.case_service_add, name="case_service_add"),
    path("reviews/<int:pk>/complete/", views.case_review, name="case_review"),
    path("cases/<int:pk>/transfer/", views.case_transfer, name="case_transfer"),
    path("cases/<int:pk>/close/", views.case_close, name="case_close"),
    path("cases/<int:pk>/notes/", views.case_notes, name="case_notes"),
    path("callbacks/", views.callback_list, name="callbacks"),
    path("callbacks/<int:pk>/", views.callback_record, name="callback"),
    path("callbacks/<int:pk>/follow-up/", views.callback_follow_up, name="callback_follow_up"),
    path("callbacks/results/", views.callback_results, name="callback_results"),
]
