from django.urls import path

from projects import views

app_name = "projects"

urlpatterns = [
    path("", views.call_list, name="call_list"),
    path("calls/new/", views.call_create, name="call_create"),
    path("calls/<int:pk>/", views.call_detail, name="call_detail"),
    path("calls/<int:pk>/reviewers/", views.call_add_reviewer, name="call_add_reviewer"),
    path("calls/<int:pk>/conflicts/", views.conflict_declare, name="conflict_declare"),
    path("calls/<int:pk>/apply/", views.application_create, name="application_create"),
    path("calls/<int:pk>/decide/", views.call_decide, name="call_decide"),
    path("applications/<int:pk>/", views.application_detail, name="application_detail"),
    path("applications/<int:pk>/review/", views.review_submit, name="review_submit"),
    path("applications/<int:pk>/contract/", views.contract_sign, name="contract_sign"),
    path("incubations/", views.incubation_list, name="incubation_list"),
    path("incubations/new/", views.incubation_start, name="incubation_start"),
    path("incubations/<int:pk>/end/", views.incubation_end, name="incubation_end"),
    path("category-targets/", views.category_targets, name="category_targets"),
    path("contracts/", views.contract_list, name="contract_list"),
    path("contracts/<int:pk>/", views.contract_detail, name="contract_detail"),
    path("contracts/<int:pk>/milestones/", views.milestone_add, name="milestone_add"),
    path("contracts/<int:pk>/suspend/", views.contract_suspend, name="contract_suspend"),
    path("contracts/<int:pk>/resume/", views.contract_resume, name="contract_resume"),
    path("contracts/<int:pk>/complete/", views.contract_complete, name="contract_complete"),
    path(
        "milestones/<int:pk>/payment-requests/",
        views.payment_request_submit,
        name="payment_request_submit",
    ),
    path(
        "payment-requests/<int:pk>/approve/",
        views.payment_request_approve,
        name="payment_request_approve",
    ),
    path(
        "payment-requests/<int:pk>/reject/",
        views.payment_request_reject,
        name="payment_request_reject",
    ),
]
