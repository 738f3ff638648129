from django.urls import path

from services.notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.notification_list, name="list"),
    path("<int:pk>/read/", views.notification_read, name="read"),
    path("read-all/", views.notification_read_all, name="read_all"),
    path("failed-reminders/", views.failed_reminder_list, name="failed_reminders"),
    path("failed-reminders/<int:pk>/retry/", views.failed_reminder_retry, name="reminder_retry"),
    path("reminder-policy/", views.reminder_policy_edit, name="reminder_policy"),
    path("desk-calls/", views.desk_call_list, name="desk_calls"),
    path("desk-calls/<int:pk>/called/", views.desk_call_called, name="desk_call_called"),
]
