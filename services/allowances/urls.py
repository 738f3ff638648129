from django.urls import path, re_path

from services.allowances import views

app_name = "allowances"

urlpatterns = [
    path("my/", views.my_account, name="my_account"),
    path("rules/", views.rule_list, name="rule_list"),
    path("rules/new/", views.rule_edit, name="rule_new"),
    path("rules/<int:pk>/", views.rule_edit, name="rule_edit"),
    path("accounts/", views.account_list, name="account_list"),
    path("accounts/<int:pk>/", views.account_detail, name="account_detail"),
    path("entries/<int:pk>/reverse/", views.entry_reverse, name="entry_reverse"),
    path("statements/", views.statement_list, name="statement_list"),
    path("statements/generate/", views.statement_generate, name="statement_generate"),
    path("statements/<int:pk>/", views.statement_detail, name="statement_detail"),
    path("statements/<int:pk>/approve/", views.statement_approve, name="statement_approve"),
    re_path(
        r"^statements/(?P<pk>[0-9]+)/export\.(?P<fmt>csv|xlsx)$",
        views.statement_export,
        name="statement_export",
    ),
    path("totals/", views.area_totals, name="area_totals"),
]
