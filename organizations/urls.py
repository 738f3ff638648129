from django.urls import path

from organizations import views

app_name = "organizations"

urlpatterns = [
    path("register/", views.register, name="register"),
    path("register/done/", views.register_done, name="register_done"),
    path("review/", views.review_list, name="review_list"),
    path("<int:pk>/", views.organization_detail, name="detail"),
    path("<int:pk>/approve/", views.organization_review, {"action": "approve"}, name="approve"),
    path("<int:pk>/reject/", views.organization_review, {"action": "reject"}, name="reject"),
    path("<int:pk>/suspend/", views.organization_review, {"action": "suspend"}, name="suspend"),
    path(
        "<int:pk>/reinstate/",
        views.organization_review,
        {"action": "reinstate"},
        name="reinstate",
    ),
    path("workspace/", views.workspace, name="workspace"),
    path("workspace/edit/", views.profile_edit, name="profile_edit"),
    path("workspace/resubmit/", views.organization_resubmit, name="resubmit"),
    path("workspace/members/new/", views.member_invite, name="member_invite"),
    path("agreements/", views.agreement_list, name="agreement_list"),
    path("agreements/new/", views.agreement_create, name="agreement_create"),
    path(
        "agreements/new/venues/",
        views.agreement_venue_options,
        name="agreement_venue_options",
    ),
    path("agreements/<int:pk>/", views.agreement_detail, name="agreement_detail"),
    path(
        "agreements/<int:pk>/accept/",
        views.agreement_action,
        {"action": "accept"},
        name="agreement_accept",
    ),
    path(
        "agreements/<int:pk>/decline/",
        views.agreement_action,
        {"action": "decline"},
        name="agreement_decline",
    ),
    path(
        "agreements/<int:pk>/end/",
        views.agreement_action,
        {"action": "end"},
        name="agreement_end",
    ),
]
