from django.urls import path

from communities import views

app_name = "communities"

urlpatterns = [
    path("", views.community_list, name="list"),
    path("<int:pk>/", views.community_detail, name="detail"),
]

# A resident's data under PIPL (communities/views_privacy.py).
from communities import views_privacy  # noqa: E402

urlpatterns += [
    path("residents/", views_privacy.resident_list, name="resident_list"),
    path("residents/<int:pk>/", views_privacy.resident_detail, name="resident_detail"),
    path("residents/<int:pk>/reveal/", views_privacy.resident_reveal_view, name="resident_reveal"),
    path("residents/<int:pk>/export/", views_privacy.resident_export_view, name="resident_export"),
    path("residents/<int:pk>/edit/", views_privacy.resident_edit, name="resident_edit"),
    path(
        "residents/<int:pk>/consent/withdraw/",
        views_privacy.resident_consent_withdraw,
        name="resident_consent_withdraw",
    ),
    path(
        "residents/<int:pk>/anonymise/",
        views_privacy.resident_anonymise_view,
        name="resident_anonymise",
    ),
]
