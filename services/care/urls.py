from django.urls import path

from services.care.views import hotline, queue, residents, reviews, visits

app_name = "services"

urlpatterns = [
    # Residents and family
    path("my/", residents.my_requests, name="my_requests"),
    path("requests/new/", residents.request_new, name="request_new"),
    path("requests/<int:pk>/", residents.request_detail, name="request_detail"),
    path("requests/<int:pk>/cancel/", residents.request_cancel_view, name="request_cancel"),
    path("visits/<int:pk>/feedback/", residents.visit_feedback, name="visit_feedback"),
    # Hotline intake and the staff request list
    path("hotline/", hotline.hotline_search, name="hotline"),
    path("hotline/residents/new/", hotline.hotline_resident_new, name="hotline_resident_new"),
    path(
        "hotline/residents/<int:resident_pk>/request/",
        hotline.hotline_request_new,
        name="hotline_request_new",
    ),
    path("requests/", hotline.request_list, name="request_list"),
    # Visits
    path("visits/", visits.visit_list, name="visit_list"),
    path("visits/mine/", visits.my_visits, name="my_visits"),
    path("visits/review/", reviews.review_list, name="visit_review_list"),
    path("visits/<int:pk>/review/", reviews.review_decide, name="visit_review"),
    path("matches/<int:match_pk>/schedule/", visits.visit_schedule, name="visit_schedule"),
    path("visits/<int:pk>/", visits.visit_detail, name="visit_detail"),
    path("visits/<int:pk>/check-in/", visits.visit_check_in, name="visit_check_in"),
    path("visits/<int:pk>/check-out/", visits.visit_check_out, name="visit_check_out"),
    path("visits/<int:pk>/complete/", visits.visit_complete, name="visit_complete"),
    path("visits/<int:pk>/steps/", queue.visit_step, name="visit_step"),
    path("visits/<int:pk>/missed/", visits.visit_missed, name="visit_missed"),
    path("visits/<int:pk>/reschedule/", visits.visit_reschedule, name="visit_reschedule"),
    path("visits/<int:pk>/cancel/", visits.visit_cancel, name="visit_cancel"),
]
