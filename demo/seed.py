"""The demo dataset behind `manage.py seed_demo`: Taiyuan's pilot, reproducible from a seed.

The same seed and the same "today" always give the same rows: one
random.Random drives every choice, and every date is counted from `today`
(visits tomorrow and next week) or from fixed 2014 dates (the pilot itself).
"""

import datetime
import random
from dataclasses import dataclass

from django.apps import apps
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import ProtectedError, Q, RestrictedError
from django.utils import timezone

from communities.models import District, StaffAssignment
from demo import data
from demo.activities import activities_build
from demo.allowances import allowances_build
from demo.casework import COLLEAGUE_PREFIX, casework_build
from demo.kit import DemoContext, bulk, mobile
from demo.orgs import organizations_build, workers_build
from demo.places import places_build, residents_build
from demo.projects import projects_build
from demo.services import offerings_build, requests_build, service_types_build
from reporting.rollups import rollups_rebuild
from sanlian.models import AuditEntry, User
from sanlian.roles import Role

DEMO_PASSWORD = "Sanlian-demo-2026"  # noqa: S105 - published on purpose: it is the demo's login
DEFAULT_SEED = 2014
DEFAULT_RESIDENTS = 2400


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    display_name: str


DEMO_LOGINS = (
    DemoLogin("admin", Role.CIVIL_AFFAIRS, "系统管理员"),
    DemoLogin("civil", Role.CIVIL_AFFAIRS, "刘志刚"),
    DemoLogin("street", Role.STREET_STAFF, "赵亚楠"),
    DemoLogin("community", Role.COMMUNITY_STAFF, "郭丽娜"),
    DemoLogin("org", Role.ORGANIZATION, "赵丽君"),
    DemoLogin("socialworker", Role.SOCIAL_WORKER, "王润梅"),
    DemoLogin("volunteer", Role.VOLUNTEER, "杨晓东"),
    DemoLogin("resident", Role.RESIDENT, "李德厚"),
    DemoLogin("family", Role.FAMILY, "李建军"),
    DemoLogin("dashboard", Role.DASHBOARD, "城市数据大屏"),
)

# Deleted children first, so PROTECT foreign keys never block a reset.
_RESET_ORDER = (
    # casework's rows, not its instrument (data loaded by a migration, kept like settings).
    "casework.Callback",
    "casework.ProgressNote",
    "casework.Review",
    "casework.PlannedService",
    "casework.Case",
    "casework.Supervision",
    "casework.Assessment",
    "projects.CategoryTarget",
    "projects.Incubation",
    "projects.Payment",
    "projects.PaymentRequest",
    "projects.Milestone",
    "projects.ServiceTarget",
    "projects.Contract",
    "projects.Score",
    "projects.Review",
    "projects.ConflictDeclaration",
    "projects.BudgetLine",
    "projects.Application",
    "projects.Criterion",
    "projects.ProjectCall",
    "services.Reminder",
    "services.Notification",
    "services.Feedback",
    "services.Visit",
    "services.VisitPlan",
    "services.Match",
    "services.MatchingRun",
    "services.OfferingWeek",
    "services.OfferingWindow",
    "services.ServiceRequest",
    "services.ServiceOffering",
    "services.ServiceType",
    "socialworkers.Volunteer",
    "socialworkers.VolunteerTeam",
    "socialworkers.SocialWorker",
    "socialworkers.Skill",
    "organizations.Agreement",
    "organizations.OrganizationStatusChange",
    "organizations.OrganizationMember",
    "organizations.Organization",
    "communities.FamilyMember",
    "communities.Consent",
    "communities.StaffAssignment",
    "communities.Resident",
    "communities.Venue",
    "communities.Community",
    "communities.Street",
    "communities.District",
)
_DOMAIN_APPS = ("communities", "organizations", "socialworkers", "services", "activities")


def demo_is_seeded() -> bool:
    codes = [code for code, *_ in data.DISTRICTS]
    usernames = [login.username for login in DEMO_LOGINS]
    return (
        District.objects.filter(code__in=codes).exists()
        or User.objects.filter(username__in=usernames).exists()
    )


@transaction.atomic
def demo_reset() -> None:
    """Delete every domain row, the audit trail and the demo logins (with the social workers'
    logins the demo made for its callbacks).

    Settings-like rows that point at no domain row (a reminder policy, a
    city-wide allowance rule) are kept.
    """
    _delete_rows_of_newer_models()
    for label in _RESET_ORDER:
        apps.get_model(label).objects.all().delete()
    AuditEntry.objects.all().delete()
    User.objects.filter(username__in=[login.username for login in DEMO_LOGINS]).delete()
    User.objects.filter(username__startswith=COLLEAGUE_PREFIX).delete()


def _delete_rows_of_newer_models() -> None:
    """Models added after _RESET_ORDER was written: delete their rows that hang off domain rows.

    Their order is unknown, so a PROTECT between two of them is retried in a later pass.
    """
    known = set(_RESET_ORDER)
    pending = {}
    for app in (*_DOMAIN_APPS, "sanlian"):
        for model in apps.get_app_config(app).get_models():
            links = Q()
            for fk in model._meta.concrete_fields:
                if fk.is_relation and fk.related_model._meta.app_label in _DOMAIN_APPS:
                    links |= Q(**{f"{fk.name}__isnull": False})
            if model._meta.label not in known and links:
                pending[model] = links
    while pending:
        progressed = False
        for model, links in list(pending.items()):
            try:
                with transaction.atomic():
                    model.objects.filter(links).delete()
            except (ProtectedError, RestrictedError):
                continue
            del pending[model]
            progressed = True
        if not progressed:
            raise ProtectedError("demo reset: rows still protected", set(pending))


@transaction.atomic
def demo_seed(
    *, seed: int = DEFAULT_SEED, residents: int = DEFAULT_RESIDENTS, today=None
) -> DemoContext:
    """Build the whole dataset in one transaction; returns the context with row counts."""
    ctx = DemoContext(
        rng=random.Random(seed),
        today=today or timezone.localdate(),
        residents_wanted=max(residents, 30),
    )
    _users(ctx)
    places_build(ctx)
    _assignments(ctx)
    organizations_build(ctx)
    workers_build(ctx)
    service_types_build(ctx)
    offerings_build(ctx)
    residents_build(ctx)
    requests_build(ctx)
    allowances_build(ctx)
    projects_build(ctx)
    activities_build(ctx)
    casework_build(ctx)
    # The dashboard reads the statistics rollups: count the seeded rows into them now rather
    # than leave thousands of changes for the first reader or beat to fold in.
    rollups_rebuild()
    return ctx


def _users(ctx: DemoContext) -> None:
    # One hash for all: the demo password is public, and hashing ten times costs seconds.
    password = make_password(DEMO_PASSWORD)
    joined = ctx.at(datetime.date(2014, 9, 1), 9)
    rows = [
        User(
            username=login.username,
            role=login.role,
            display_name=login.display_name,
            phone="" if login.role == Role.DASHBOARD else mobile(ctx),
            password=password,
            is_staff=login.username == "admin",
            is_superuser=login.username == "admin",
            date_joined=joined,
        )
        for login in DEMO_LOGINS
    ]
    ctx.users = {user.username: user for user in bulk(User, rows, ctx)}


def _assignments(ctx: DemoContext) -> None:
    rows = [
        StaffAssignment(user=ctx.users["street"], street_id=ctx.flagship.street_id),
        StaffAssignment(user=ctx.users["community"], community=ctx.flagship),
    ]
    bulk(StaffAssignment, rows, ctx)
