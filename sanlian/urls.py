from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from sanlian import language_views, password_reset, token_views, views
from sanlian.forms import LockoutAuthenticationForm
from sanlian.password_change import PasswordChangeView

urlpatterns = [
    path("", include("reporting.urls")),
    path("healthz", views.healthz, name="healthz"),
    path("", include("services.care.urls_root")),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(
            redirect_authenticated_user=True, authentication_form=LockoutAuthenticationForm
        ),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", PasswordChangeView.as_view(), name="password_change"),
    path(
        "accounts/password/reset/",
        password_reset.PasswordResetView.as_view(),
        name="password_reset",
    ),
    path(
        "accounts/password/reset/sent/",
        password_reset.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "accounts/password/reset/<uidb64>/<token>/",
        password_reset.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/password/reset/done/",
        password_reset.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("accounts/tokens/", token_views.my_tokens, name="tokens"),
    path("accounts/tokens/all/", token_views.all_tokens, name="tokens_all"),
    path(
        "accounts/tokens/<str:fingerprint>/revoke/",
        token_views.token_revoke_view,
        name="token_revoke",
    ),
    # Before Django's own: the switcher also keeps the choice for SMS and e-mail.
    path("i18n/setlang/", language_views.language_switch, name="set_language"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("communities/", include("reporting.urls_communities")),
    path("communities/", include("communities.urls")),
    path("organizations/offerings/", include("services.offerings.urls")),
    path("organizations/", include("organizations.urls")),
    path("socialworkers/", include("socialworkers.urls")),
    path("services/", include("services.care.urls")),
    path("matching/", include("services.matching.urls")),
    path("api/v1/", include("sanlian.api.urls")),
    path("notifications/", include("services.notifications.urls")),
    path("audit/", include("reporting.urls_audit")),
    path("dashboard/", include("reporting.urls_dashboard")),
    path("exports/", include("reporting.urls_exports")),
    path("allowances/", include("services.allowances.urls")),
    path("casework/", include("casework.urls")),
    path("projects/", include("projects.urls")),
    path("activities/", include("activities.urls")),
]

handler404 = "sanlian.views.not_found"

# MEDIA_ROOT is never served, whatever DEBUG is: it holds export files of residents'
# data, downloaded only by their owner through exports:download (issue 19).
if settings.BENCHMARK_VIEWS:
    # bench/api.py's floor; absent unless BENCHMARK_VIEWS=1 (tests/api/test_benchmark_views.py).
    urlpatterns += [path("bench/", include("bench.views"))]
