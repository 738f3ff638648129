"""The callbacks API: organizations read their own visits' outcomes and scores (nothing of
the resident, not the caller's comment); the social worker lists their calls to make and
records one, once; everyone else is refused with the reason."""

import datetime

import pytest
from django.utils import timezone

from casework.models import Callback
from services.models import Visit
from tests import factories as f
from tests.api.conftest import client_for

WEEK = timezone.localdate() - datetime.timedelta(days=7)
URL = "/api/v1/callbacks/"


def _callback(resident, organization, worker, **done) -> Callback:
    visit = f.VisitFactory(
        request=f.ServiceRequestFactory(resident=resident),
        offering=f.OfferingFactory(organization=organization),
        status=Visit.Status.COMPLETED,
    )
    return Callback.objects.create(visit=visit, social_worker=worker, week_start=WEEK, **done)


@pytest.fixture
def calls(cast, sw):
    pending = _callback(cast.resident, cast.organization, sw.sue)
    done = _callback(
        cast.resident,
        cast.organization,
        sw.sue,
        status=Callback.Status.DONE,
        happened_as_logged=False,
        quality_score=2,
        comment="老人说那天没有人来，家里电话13800000000",
        done_at=timezone.now(),
    )
    theirs = _callback(cast.other_resident, cast.other_organization, sw.sam)
    return pending, done, theirs


def test_organization_reads_its_own_results_without_resident_data(cast, calls):
    _pending, done, _theirs = calls
    body = client_for(cast.member).get(f"{URL}?status=done")
    assert body.status_code == 200
    rows = body.json()["results"]
    assert [r["id"] for r in rows] == [done.pk]
    row = rows[0]
    assert (row["happened_as_logged"], row["quality_score"], row["status"]) == (False, 2, "done")
    assert row["organization"] == cast.organization.pk
    assert row["service_type_name"] == done.visit.request.service_type.name
    text = body.content.decode()
    assert cast.resident.name not in text and "13800000000" not in text and "comment" not in row
    member = client_for(cast.member)
    failed = member.get(f"{URL}?happened_as_logged=false&organization={cast.organization.pk}")
    assert [r["id"] for r in failed.json()["results"]] == [done.pk]
    foreign = member.get(f"{URL}?organization={cast.other_organization.pk}").json()
    assert foreign["count"] == 0  # the filter never widens the scope
    other = client_for(cast.other_member).get(URL).json()
    assert done.pk not in {r["id"] for r in other["results"]} and other["count"] == 1


def test_social_worker_lists_calls_to_make_and_records_one(cast, sw, calls):
    pending, _done, _theirs = calls
    client = client_for(sw.sue.user)
    todo = client.get(f"{URL}?status=pending").json()
    assert [r["id"] for r in todo["results"]] == [pending.pk]
    answer = client.post(
        f"{URL}{pending.pk}/record/",
        {"reached": True, "happened_as_logged": True, "quality_score": 5, "comment": "满意"},
        format="json",
    )
    assert answer.status_code == 200 and answer.json()["status"] == "done"
    pending.refresh_from_db()
    assert (pending.status, pending.happened_as_logged, pending.quality_score) == ("done", True, 5)
    assert pending.comment == "满意" and pending.done_at is not None
    assert client.get(f"{URL}?status=pending").json()["count"] == 0


def test_record_unreachable(cast, sw, calls):
    pending = calls[0]
    answer = client_for(sw.sue.user).post(f"{URL}{pending.pk}/record/", {"reached": False})
    assert answer.status_code == 200
    pending.refresh_from_db()
    assert (pending.status, pending.happened_as_logged) == ("unreachable", None)


def test_record_refusals_say_why(cast, sw, calls):
    pending, done, theirs = calls
    sue = client_for(sw.sue.user)
    again = sue.post(f"{URL}{done.pk}/record/", {"reached": False})
    # A refusal of the callback's state, not of the input: 409 (sanlian.refusals).
    assert again.status_code == 409 and "已经记录过了" in again.json()["detail"]
    missing = sue.post(f"{URL}{pending.pk}/record/", {"reached": True})
    assert missing.status_code == 400 and "质量评分" in missing.json()["detail"]
    bad = sue.post(
        f"{URL}{pending.pk}/record/",
        {"reached": True, "happened_as_logged": True, "quality_score": 9},
        format="json",
    )
    assert bad.status_code == 400 and "quality_score" in bad.json()["errors"]
    # A colleague of the same community does not see Sue's calls; the organization sees the
    # callback but may not record it: 403 with the reason.
    assert client_for(sw.ann.user).post(f"{URL}{pending.pk}/record/", {}).status_code == 404
    member = client_for(cast.member).post(f"{URL}{pending.pk}/record/", {"reached": False})
    assert member.status_code == 403 and "被安排回访的社工" in member.json()["detail"]
    assert sue.post(f"{URL}{theirs.pk}/record/", {"reached": False}).status_code == 404
    assert client_for().post(f"{URL}{pending.pk}/record/", {"reached": False}).status_code == 401
    pending.refresh_from_db()
    theirs.refresh_from_db()
    assert pending.status == theirs.status == "pending"


def test_callback_schema_documents_the_record_action(db):
    schema = client_for().get("/api/v1/schema/?format=json")
    operation = schema.json()["paths"]["/api/v1/callbacks/{id}/record/"]["post"]
    assert {"200", "400", "401", "403", "404"} <= set(operation["responses"])
    body = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert body.endswith("/CallbackRecordRequest")
