from django.urls import path

from reporting import views_audit

app_name = "audit"

urlpatterns = [
    path("", views_audit.audit_list, name="list"),
    path("access/", views_audit.access_log_list, name="access_log"),
]
