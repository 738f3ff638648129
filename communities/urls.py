from django.urls import path

from communities import views

app_name = "communities"

# A resident's data under PIPL. The community list and detail pages, which gather
# organizations and social workers too, are reporting's (reporting/urls_communities.py).
urlpatterns = [
    path("residents/", views.resident_list, name="resident_list"),
    path("residents/<int:pk>/", views.resident_detail, name="resident_detail"),
    path("residents/<int:pk>/reveal/", views.resident_reveal_view, name="resident_reveal"),
    path("residents/<int:pk>/export/", views.resident_export_view, name="resident_export"),
    path("residents/<int:pk>/edit/", views.resident_edit, name="resident_edit"),
    path(
        "residents/<int:pk>/consent/withdraw/",
        views.resident_consent_withdraw,
        name="resident_consent_withdraw",
    ),
    path(
        "residents/<int:pk>/anonymise/",
        views.resident_anonymise_view,
        name="resident_anonymise",
    ),
]
