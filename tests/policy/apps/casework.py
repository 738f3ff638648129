"""Access-matrix rows of casework: ability assessments, the due list, case files (plans,
services, reviews, transfer, closure, progress notes), quality callbacks (recorded on
the page or through the API) and their follow-up, and social work's figures, over pages and
the API, on both sides.

casework has no export: progress notes are in none (tests/casework/test_notes_scan.py).
"""

import datetime

from django.utils import timezone

from casework.instruments import instrument_current, instrument_load
from casework.models import Assessment, Callback, Case, Review
from sanlian.models import AccessLog
from sanlian.roles import Role
from services.models import Visit
from tests import factories as f
from tests.policy.policy import ALL, DASHBOARD, ORG, OWN, STAFF, SW, _api, _page

OBJECTS = {"assessments", "cases", "callbacks", "casework_stats"}

READERS = {**STAFF, SW: OWN}  # staff in their area, a social worker in the communities served
WORKER = {SW: OWN}  # the social worker serving the resident, on the case, or calling back
RESULTS = {**STAFF, ORG: OWN}  # callback results: staff, and the organization its own
THEIRS_NEED = "坞城个案：独居老人需要助餐"  # a case's text only the west side may read


def _fresh(obj):
    return type(obj).objects.get(pk=obj.pk)


def _notes_read(case) -> int:
    return AccessLog.objects.filter(resident=case.resident, field="case_notes").count()


EFFECTS = {
    ("assessments", "start"): lambda r: Assessment.objects.filter(resident=r).count(),
    ("assessments", "save"): lambda a: _fresh(a).answers,
    ("assessments", "second_sign"): lambda a: _fresh(a).status,
    ("cases", "open"): lambda r: Case.objects.filter(resident=r).count(),
    ("cases", "plan"): lambda c: _fresh(c).goals,
    ("cases", "add_service"): lambda c: c.planned_services.count(),
    ("cases", "review"): lambda r: _fresh(r).done_at,
    ("cases", "transfer"): lambda c: sorted(c.social_workers.values_list("pk", flat=True)),
    ("cases", "close"): lambda c: _fresh(c).status,
    ("cases", "write_note"): lambda c: c.notes.count(),
    # Every reading of the notes is one access-log row: a refused one writes none.
    ("cases", "read_notes"): _notes_read,
    ("callbacks", "record"): lambda cb: _fresh(cb).status,
    ("callbacks", "follow_up"): lambda cb: _fresh(cb).case_id,
}

PLANNED = {
    "service_type": "@service_type",
    "preferred_days": [0, 2],
    "preferred_start": "09:00",
    "preferred_end": "11:00",
    "goal": "按时吃饭",
}

RULES = (
    # --- assessments ---------------------------------------------------------------------------
    _page("assessments", "due_list", "casework:assessment_due", READERS),
    _page("assessments", "resident", "casework:resident", READERS, target="resident"),
    _page(
        "assessments",
        "start",
        "casework:assessment_start",
        WORKER,
        method="POST",
        target="resident_new",
    ),
    _page("assessments", "view", "casework:assessment", READERS, target="assessment"),
    _page(
        "assessments",
        "save",
        "casework:assessment",
        WORKER,
        method="POST",
        data={"item_B.1.1": "2"},
        target="assessment",
    ),
    _page(
        "assessments",
        "second_sign",
        "casework:assessment_second_sign",
        WORKER,
        method="POST",
        target="assessment_awaiting",
    ),
    _api("assessments", "list", "assessment-list", READERS),
    _api("assessments", "view", "assessment-detail", READERS, target="assessment"),
    # --- cases -----------------------------------------------------------------------------------
    _page("cases", "list", "casework:cases", READERS),
    _page("cases", "view", "casework:case", READERS, target="case"),
    _page(
        "cases",
        "open",
        "casework:case_open",
        WORKER,
        method="POST",
        data={"source": "referral", "presenting_need": "社区转介：独居"},
        target="resident",
    ),
    _page(
        "cases",
        "plan",
        "casework:case_plan",
        WORKER,
        method="POST",
        data={"goals": "每周两次助餐"},
        target="case",
    ),
    _page(
        "cases",
        "add_service",
        "casework:case_service_add",
        WORKER,
        method="POST",
        data=PLANNED,
        target="case",
    ),
    _page(
        "cases",
        "review",
        "casework:case_review",
        WORKER,
        method="POST",
        data={"summary": "目标部分达成"},
        target="review",
    ),
    _page(
        "cases",
        "transfer",
        "casework:case_transfer",
        WORKER,
        method="POST",
        data={"to_worker": "@colleague", "reason": "调岗"},
        target="case",
    ),
    _page(
        "cases",
        "close",
        "casework:case_close",
        WORKER,
        method="POST",
        data={"outcome": "goals_met"},
        target="case",
    ),
    _page("cases", "read_notes", "casework:case_notes", WORKER, target="case"),
    _page(
        "cases",
        "write_note",
        "casework:case_notes",
        WORKER,
        method="POST",
        data={"text": "电话联系女儿"},
        target="case",
    ),
    _api("cases", "list", "case-list", READERS),
    _api("cases", "view", "case-detail", READERS, target="case"),
    # --- callbacks -------------------------------------------------------------------------------
    _page("callbacks", "list", "casework:callbacks", WORKER),
    _page("callbacks", "results", "casework:callback_results", RESULTS),
    _page("callbacks", "view", "casework:callback", WORKER, target="callback_pending"),
    _page(
        "callbacks",
        "record",
        "casework:callback",
        WORKER,
        method="POST",
        data={"reached": "1", "happened_as_logged": "1", "quality_score": "4"},
        target="callback_pending",
    ),
    _page(
        "callbacks",
        "follow_up",
        "casework:callback_follow_up",
        WORKER,
        method="POST",
        data={"open_case": "on", "presenting_need": "回访发现服务未落实"},
        target="callback_failed",
    ),
    _api("callbacks", "list", "callback-list", READERS, {ORG: OWN}),
    _api("callbacks", "view", "callback-detail", READERS, {ORG: OWN}, target="callback_failed"),
    # The organization sees the callback but may not record it; staff neither.
    _api(
        "callbacks",
        "record",
        "callback-record",
        WORKER,
        method="POST",
        data={"reached": True, "happened_as_logged": True, "quality_score": 4},
        target="callback_pending",
    ),
    # --- figures ---------------------------------------------------------------------------------
    _api("casework_stats", "list", "stats-casework", STAFF, {DASHBOARD: ALL}),
)


def _instrument():
    # A transactional test (the schemathesis run) flushed the one its migration loaded.
    return instrument_current() or instrument_load()


def _assessment(resident, assessor, **extra) -> Assessment:
    return Assessment.objects.create(
        resident=resident, instrument=_instrument(), assessor=assessor, **extra
    )


def _awaiting(resident, assessor) -> Assessment:
    """Signed by a colleague two levels away from the last: a second assessor must confirm."""
    level = _instrument().levels.get(rank=3)
    return _assessment(
        resident,
        assessor,
        status=Assessment.Status.AWAITING_SECOND,
        total=level.min_total,
        level_rank=3,
        level_name=level.name,
        care_level=level.care_level,
        previous_rank=1,
        signed_by=assessor,
        signed_at=timezone.now(),
    )


def _colleague(side, username):
    colleague = f.SocialWorkerFactory(
        user=f.UserFactory(username=username, role=Role.SOCIAL_WORKER)
    )
    colleague.communities.set([side.community])
    return colleague


def _extend_side(side, *, worker, colleague, need):
    side.colleague = colleague
    # Not yet assessed: starting an assessment of them creates one (side.resident has a draft).
    side.resident_new = f.ResidentFactory(community=side.community)
    f.ConsentFactory(resident=side.resident_new)
    side.assessment = _assessment(side.resident, worker.user)
    side.assessment_awaiting = _awaiting(side.resident, colleague.user)
    side.case = Case.objects.create(
        resident=side.resident, source="referral", presenting_need=need, opened_by=worker.user
    )
    side.case.social_workers.add(worker)
    side.review = Review.objects.create(
        case=side.case, due_on=timezone.localdate() + datetime.timedelta(days=30)
    )
    side.callback_pending = Callback.objects.create(
        visit=side.visit_completed, social_worker=worker, week_start=timezone.localdate()
    )
    failed_visit = f.VisitFactory(
        request=side.visit_completed.request,
        offering=side.offering,
        status=Visit.Status.COMPLETED,
        scheduled_start=timezone.now() - datetime.timedelta(days=1),
    )
    side.callback_failed = Callback.objects.create(
        visit=failed_visit,
        social_worker=worker,
        week_start=timezone.localdate(),
        status=Callback.Status.DONE,
        happened_as_logged=False,
        quality_score=1,
        done_at=timezone.now(),
    )


def extend_world(world) -> None:
    if instrument_current() is None:  # a transactional test earlier in the session flushed it
        instrument_load()
    ours, theirs = world.sides["ours"], world.sides["theirs"]
    # East: the world's social worker serves the east community (tests/policy/world.py).
    _extend_side(
        ours, worker=ours.worker, colleague=_colleague(ours, "cw_east"), need="桃南个案：独居"
    )
    # West: its own social worker with an account, whom no east-side user may stand in for.
    west_worker = _colleague(theirs, "cw_west_worker")
    _extend_side(
        theirs, worker=west_worker, colleague=_colleague(theirs, "cw_west"), need=THEIRS_NEED
    )
    world.foreign_names.append(THEIRS_NEED)
    _register_foreign_keys()


def _register_foreign_keys() -> None:
    """Which west-side objects a scoped casework API list must not carry (by id)."""
    from tests.policy import matrix

    matrix.FOREIGN_KEYS.setdefault("assessments", ["assessment", "assessment_awaiting"])
    matrix.FOREIGN_KEYS.setdefault("cases", ["case"])
    matrix.FOREIGN_KEYS.setdefault("callbacks", ["callback_pending", "callback_failed"])
