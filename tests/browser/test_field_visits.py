"""A worker checks in on a phone whose position the browser reports (faked geolocation)."""

from decimal import Decimal

import pytest
from django.utils import timezone

from sanlian.roles import Role
from services.models import Visit
from tests import factories as f
from tests.browser.conftest import PHONE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEAR = {"latitude": 37.8710, "longitude": 112.5490, "accuracy": 20}  # about 45 m from home
FAR = {"latitude": 37.8800, "longitude": 112.5489, "accuracy": 20}  # about 1 km away


def _visits_now(cast, count: int) -> list[Visit]:
    cast.resident.latitude, cast.resident.longitude = Decimal("37.8706"), Decimal("112.5489")
    cast.resident.save()
    worker = f.SocialWorkerFactory(
        user=f.UserFactory(username="worker", role=Role.SOCIAL_WORKER),
        organization=cast.organization,
    )
    offering = f.OfferingFactory(organization=cast.organization, communities=[cast.community])
    visits = [
        f.VisitFactory(
            request=f.ServiceRequestFactory(resident=cast.resident, status="scheduled"),
            offering=offering,
            social_worker=worker,
            scheduled_start=timezone.now(),
        )
        for _ in range(count)
    ]
    return visits


def _check_in(tab, visit: Visit, position: dict) -> str:
    tab.context.set_geolocation(position)
    tab.goto(f"/services/visits/{visit.pk}/")
    assert "手机定位" in tab.page.inner_text("main")  # the reason, shown before asking
    with tab.page.expect_navigation():
        tab.page.click("main form[data-visit-position] button[type=submit]")
    return tab.page.get_attribute("[data-location-state]", "data-location-state")


def test_check_in_near_and_far_on_a_phone(open_tab, cast):
    near, far = _visits_now(cast, 2)
    tab = open_tab("field-visit", viewport=PHONE)
    tab.context.grant_permissions(["geolocation"])
    tab.login("worker")

    assert _check_in(tab, near, NEAR) == "verified"
    tab.shot("1-verified")
    assert tab.axe() == []
    assert _check_in(tab, far, FAR) == "off_site"
    tab.shot("2-off-site")

    near.refresh_from_db()
    far.refresh_from_db()
    assert (near.status, near.location_state, near.review_state) == ("in_progress", "verified", "")
    assert (far.status, far.location_state, far.review_state) == (
        "in_progress",
        "off_site",
        "pending",
    )
    assert near.check_in_accuracy_m == 20 and far.check_in_distance_m > 900
