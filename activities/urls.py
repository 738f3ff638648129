from django.urls import path

from activities import views

app_name = "activities"

urlpatterns = [
    path("", views.activity_list, name="list"),
    path("new/", views.activity_create, name="create"),
    path("<int:pk>/", views.activity_detail, name="detail"),
    path("<int:pk>/sign-up/", views.signup_create, name="sign_up"),
    path("<int:pk>/cancel/", views.activity_cancel, name="cancel"),
    path("<int:pk>/door/", views.door_list, name="door"),
    path("signups/<int:pk>/cancel/", views.signup_cancel, name="signup_cancel"),
    path("signups/<int:pk>/attend/", views.signup_attend, name="attend"),
    path("signups/<int:pk>/qr.svg", views.checkin_qr, name="checkin_qr"),
    path("check-in/<str:token>/", views.checkin, name="checkin"),
    path("signups/<int:pk>/feedback/", views.feedback, name="feedback"),
    path("venues/<int:pk>/", views.venue_calendar, name="venue_calendar"),
    path("volunteering/", views.post_list, name="post_list"),
    path("volunteering/new/", views.post_create, name="post_create"),
    path("volunteering/<int:pk>/shifts/new/", views.shift_create, name="shift_create"),
    path("shifts/<int:pk>/", views.shift_detail, name="shift_detail"),
    path("shifts/<int:pk>/sign-up/", views.shift_sign_up, name="shift_sign_up"),
    path("shift-signups/<int:pk>/credit/", views.shift_credit, name="shift_credit"),
    path("volunteers/", views.volunteer_list, name="volunteer_list"),
    path("volunteers/<int:pk>/", views.volunteer_record, name="volunteer_record"),
    path("volunteers/<int:pk>/certificate/", views.volunteer_certificate, name="certificate"),
    path("time-bank/", views.time_bank, name="time_bank"),
    path("time-bank/help/new/", views.help_report, name="help_report"),
    path("time-bank/help/<int:pk>/confirm/", views.help_confirm, name="help_confirm"),
    path("time-bank/accounts/<int:pk>/spend/", views.time_bank_spend, name="spend"),
    path("suggestions/", views.suggestion_list, name="suggestion_list"),
    path("suggestions/new/", views.suggestion_create, name="suggestion_create"),
    path("suggestions/<int:pk>/answer/", views.suggestion_answer, name="suggestion_answer"),
    path("suggestions/<int:pk>/close/", views.suggestion_close, name="suggestion_close"),
    path("rosters/residents/", views.roster_import, name="roster_import"),
    path("rosters/residents/template.xlsx", views.roster_template, name="roster_template"),
]
