"""The worker's phone loses the network: the visit page is read from the phone, check-in,
check-out and completion are queued there, and sent once when the network returns."""

import datetime
import time
from decimal import Decimal

import pytest
from django.core.signals import request_started
from django.utils import timezone

from sanlian.roles import Role
from services.models import Visit, VisitStep
from tests import factories as f
from tests.browser.conftest import PHONE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEAR = {"latitude": 37.8710, "longitude": 112.5490, "accuracy": 20}


def _visit_now(cast) -> Visit:
    cast.resident.latitude, cast.resident.longitude = Decimal("37.8706"), Decimal("112.5489")
    cast.resident.save()
    worker = f.SocialWorkerFactory(
        user=f.UserFactory(username="worker", role=Role.SOCIAL_WORKER),
        organization=cast.organization,
    )
    offering = f.OfferingFactory(organization=cast.organization, communities=[cast.community])
    tomorrow = f.VisitFactory(
        request=f.ServiceRequestFactory(resident=cast.resident, status="scheduled"),
        offering=offering,
        social_worker=worker,
        scheduled_start=timezone.now() + datetime.timedelta(days=1),
    )
    today = f.VisitFactory(
        request=f.ServiceRequestFactory(resident=cast.resident, status="scheduled"),
        offering=offering,
        social_worker=worker,
        scheduled_start=timezone.now(),
    )
    return today, tomorrow


@pytest.fixture
def step_posts():
    """Every step POST the portal receives, whoever sent it (the page or the service worker,
    whose requests Playwright does not see once the page is closed): the live server runs in
    this process, so Django's request_started signal counts them where they arrive."""
    step_posts: list[str] = []

    def arrived(sender, environ=None, **kwargs):
        if environ["REQUEST_METHOD"] == "POST" and environ["PATH_INFO"].endswith("/steps/"):
            step_posts.append(environ["PATH_INFO"])

    request_started.connect(arrived, weak=False)
    yield step_posts
    request_started.disconnect(arrived)


def _queued_on_phone(page) -> int:
    return page.evaluate(
        """() => new Promise(resolve => {
        const open = indexedDB.open('sanlian-worker');
        open.onsuccess = () => {
            const read = open.result.transaction('steps').objectStore('steps').count();
            read.onsuccess = () => resolve(read.result);
        };
    })"""
    )


def _queue_three_steps_offline(tab, visit) -> None:
    tab.page.click("[data-step=check_in]")
    tab.page.wait_for_selector("form[data-step-form=after_check_in]:not([hidden])")
    tab.page.fill("form[data-step-form=after_check_in] textarea[name=service_log]", "理发、量血压")
    tab.page.click("[data-step=check_out]")
    tab.page.wait_for_function(
        "() => document.querySelector('[data-queue-status]').textContent.startsWith('2')"
    )
    tab.page.click("[data-step=complete]")
    tab.page.wait_for_selector("[data-step-done]:not([hidden])")
    assert tab.page.inner_text("[data-queue-status]").startswith("3")


def _completed_once(visit) -> None:
    visit.refresh_from_db()
    assert visit.status == Visit.Status.COMPLETED
    assert visit.service_log == "理发、量血压"
    steps = list(VisitStep.objects.filter(visit=visit).order_by("device_at"))
    assert [step.kind for step in steps] == ["check_in", "check_out", "complete"]
    assert visit.checked_in_at == steps[0].device_at < steps[0].received_at
    assert visit.checked_out_at == steps[1].device_at


def test_offline_check_in_out_and_complete_are_sent_once_when_back_online(
    open_tab, cast, step_posts
):
    visit, tomorrow = _visit_now(cast)
    tab = open_tab("offline-visit", viewport=PHONE)
    # Chromium on a phone allows Background Sync by default; a Playwright context asks.
    tab.context.grant_permissions(["geolocation", "background-sync"])
    tab.context.set_geolocation(NEAR)
    tab.login("worker")
    tab.goto("/services/visits/mine/")
    tab.page.wait_for_selector("[data-worker-app][data-offline-ready]", timeout=15_000)
    assert tab.page.evaluate("() => navigator.serviceWorker.controller !== null")
    assert tab.page.evaluate("() => !!document.querySelector('link[rel=manifest]')")
    tab.shot("1-my-visits-online")

    tab.context.set_offline(True)
    # Today's and tomorrow's pages are read from the phone.
    tab.goto("/services/visits/mine/")
    tab.page.click(f"a[href='/services/visits/{tomorrow.pk}/']")
    tab.page.wait_for_selector("[data-testid=check-in-later]")
    tab.goto(f"/services/visits/{visit.pk}/")
    tab.shot("2-visit-offline")

    _queue_three_steps_offline(tab, visit)
    tab.shot("3-queued-offline")
    visit.refresh_from_db()
    assert visit.status == Visit.Status.SCHEDULED and not VisitStep.objects.exists()

    # Read again offline after a reload: the queue is on the phone, not in the page.
    tab.page.reload()
    tab.page.wait_for_selector("[data-step-done]:not([hidden])")

    with tab.page.expect_navigation():
        tab.context.set_offline(False)
    tab.page.wait_for_selector("[data-testid=verification]")
    tab.shot("4-sent-online")
    assert tab.axe() == []

    _completed_once(visit)
    assert visit.location_state == "verified" and not visit.late_sync
    assert _queued_on_phone(tab.page) == 0
    # The page and the service worker's Background Sync both send when the network comes
    # back: each step still left the phone once.
    assert len(step_posts) == 3, step_posts


def test_the_queue_is_sent_by_background_sync_after_the_page_is_closed(open_tab, cast, step_posts):
    """Queued offline, the page closed, the network back: the service worker's sync event
    sends the steps, each once, with nobody looking at the page."""
    visit, _tomorrow = _visit_now(cast)
    tab = open_tab("offline-sync", viewport=PHONE)
    tab.context.grant_permissions(["geolocation", "background-sync"])
    tab.context.set_geolocation(NEAR)
    tab.login("worker")
    tab.goto(f"/services/visits/{visit.pk}/")
    tab.page.wait_for_selector(
        "[data-worker-app][data-offline-ready]", state="attached", timeout=15_000
    )
    assert tab.page.evaluate("() => 'SyncManager' in window")

    tab.context.set_offline(True)
    tab.page.reload()
    _queue_three_steps_offline(tab, visit)
    tab.shot("1-queued-offline")
    # The service worker holds the sync until the network is back.
    assert tab.page.evaluate("() => navigator.serviceWorker.ready.then(r => r.sync.getTags())") == [
        "sanlian-steps"
    ]
    tab.page.close()
    assert step_posts == [] and not VisitStep.objects.exists()

    tab.context.set_offline(False)
    deadline = time.monotonic() + 30
    while VisitStep.objects.filter(visit=visit).count() < 3 and time.monotonic() < deadline:
        time.sleep(0.25)
    time.sleep(1)  # a second sender, were there one, would have come by now
    _completed_once(visit)
    assert len(step_posts) == 3, step_posts

    tab.page = tab.context.new_page()
    tab.goto(f"/services/visits/{visit.pk}/")
    tab.page.wait_for_selector("[data-testid=verification]")
    assert _queued_on_phone(tab.page) == 0
    tab.shot("2-sent-while-closed")
    assert len(step_posts) == 3, step_posts
