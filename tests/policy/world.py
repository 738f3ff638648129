"""The policy world: the shared `cast` plus, on each side (east "ours", west "theirs"),
one object in every state a probed action needs: an open request, proposed, confirmed and
accepted matches, scheduled, in-progress and completed visits, a submitted organization,
a pending agreement, an allowance credit, an export file. The side "theirs" is out of every
east-side user's scope."""

import datetime
from pathlib import Path
from types import SimpleNamespace

from django.conf import settings
from django.utils import timezone

from communities.models import Resident
from organizations.models import Agreement, Organization
from reporting.models import ExportJob
from sanlian.audit import audit_record
from sanlian.models import AccessLog
from sanlian.roles import Role
from services.allowances.domain import care_account_credit_month
from services.matching.models import MatchingJob
from services.models import (
    Match,
    MatchingRun,
    ServiceOffering,
    ServiceRequest,
    Visit,
)
from tests import factories as f
from tests.policy.policy import ANONYMOUS
from tests.policy.registry import extend_world

OURS_NAME, THEIRS_NAME = "桃南李奶奶", "坞城王奶奶"


def _request(resident, status=ServiceRequest.Status.OPEN):
    return f.ServiceRequestFactory(
        resident=resident, service_type=f.ServiceTypeFactory(), status=status
    )


def _visit(*, resident, offering, worker, volunteer, status, start, **extra):
    service_request = _request(resident, ServiceRequest.Status.SCHEDULED)
    return f.VisitFactory(
        request=service_request,
        offering=offering,
        social_worker=worker,
        volunteer=volunteer,
        status=status,
        scheduled_start=start,
        **extra,
    )


def _run(*, community, match, started_by):
    run = MatchingRun.objects.create(community=community, week_start=timezone.localdate(),
                                     started_by=started_by)  # fmt: skip
    Match.objects.filter(pk=match.pk).update(run=run)
    return run


def _statement(*, organization, visit):
    """A draft of last month: only an ended month, after registration, is settled."""
    last_month = (timezone.localdate().replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    registered = timezone.now() - datetime.timedelta(days=100)
    Organization.objects.filter(pk=organization.pk).update(submitted_at=registered)
    organization.refresh_from_db()
    statement = f.SettlementStatementFactory(organization=organization, month=last_month)
    f.SettlementLineFactory(statement=statement, visit=visit)
    return statement


def _export_file(*, owner) -> ExportJob:
    """A finished export with its file; the name is fixed so runs overwrite, not pile up."""
    relative = f"exports/policy/{owner.username}.csv"
    path = Path(settings.MEDIA_ROOT) / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\ufeff姓名,社区\n", encoding="utf-8")
    return ExportJob.objects.create(
        owner=owner,
        kind=ExportJob.Kind.REQUESTS,
        file_format="csv",
        status=ExportJob.Status.DONE,
        progress=100,
        file_path=relative,
        finished_at=timezone.now(),
    )


def _side(
    *,
    organization,
    community,
    street,
    district,
    resident,
    owner,
    runner,
    worker_user=None,
    volunteer_user=None,
):
    now = timezone.now()
    f.ConsentFactory(resident=resident)
    worker = f.SocialWorkerFactory(user=worker_user, organization=organization)
    worker.communities.set([community])
    team = f.VolunteerTeamFactory(community=community, leader=worker)
    volunteer = f.VolunteerFactory(team=team, user=volunteer_user)
    offering = f.OfferingFactory(organization=organization, communities=[community])
    f.OfferingWindowFactory(offering=offering)
    people = {"resident": resident, "offering": offering, "worker": worker, "volunteer": volunteer}

    def match(status, request_status=ServiceRequest.Status.OPEN, **extra):
        return f.MatchFactory(
            request=_request(resident, request_status), offering=offering, status=status, **extra
        )

    def visit(status, start, **extra):
        return _visit(
            resident=resident,
            offering=offering,
            worker=worker,
            volunteer=volunteer,
            status=status,
            start=start,
            **extra,
        )

    scheduled = visit(Visit.Status.SCHEDULED, now)
    hour = datetime.timedelta(hours=1)
    side = SimpleNamespace(
        **people,
        organization=organization,
        request_open=_request(resident),
        request_visited=scheduled.request,
        match_proposed=match(Match.Status.PROPOSED),
        match_confirmed=match(Match.Status.CONFIRMED, expires_at=now + 24 * hour),
        match_accepted=match(Match.Status.ACCEPTED, ServiceRequest.Status.MATCHED),
        visit_scheduled=scheduled,
        visit_in_progress=visit(Visit.Status.IN_PROGRESS, now - hour, checked_in_at=now - hour),
        visit_completed=visit(
            Visit.Status.COMPLETED,
            now - 2 * hour,
            checked_in_at=now - 2 * hour,
            checked_out_at=now - hour,
            service_log="理发一次",
        ),
        organization_submitted=f.OrganizationFactory(
            status=Organization.Status.SUBMITTED, home_street=street
        ),
        agreement_active=organization.agreements.get(),
        agreement_pending=f.AgreementFactory(
            organization=f.OrganizationFactory(home_street=street),
            community=community,
            status=Agreement.Status.PENDING,
        ),
        organization_suspended=f.OrganizationFactory(
            status=Organization.Status.SUSPENDED, home_street=street
        ),
        offering_paused=f.OfferingFactory(
            organization=organization,
            communities=[community],
            status=ServiceOffering.Status.PAUSED,
        ),
        community=community,
        street=street,
        district=district,
        service_type=offering.service_type,
        community_new=f.CommunityFactory(street=street),
        team=team,
        account=f.CareAccountFactory(resident=resident),
        rule=f.AllowanceRuleFactory(),
        export_job=ExportJob.objects.create(
            owner=owner, kind=ExportJob.Kind.REQUESTS, file_format="csv"
        ),
    )
    side.run = _run(community=community, match=side.match_proposed, started_by=owner)
    side.matching_job = MatchingJob.objects.create(
        owner=runner, community=community, week_start=timezone.localdate()
    )
    side.statement = _statement(organization=organization, visit=side.visit_completed)
    # A credit staff can reverse; the export file is the street staff's (`runner`).
    side.entry = care_account_credit_month(
        resident=resident, month=timezone.localdate(), rules=[side.rule]
    )[0]
    side.export_file = _export_file(owner=runner)
    # Something for the audit pages to list on both sides.
    audit_record(actor=None, instance=resident, action="change", after={"care_level": "x"})
    AccessLog.objects.create(resident=resident, kind=AccessLog.Kind.VIEW)
    return side


def build_world(cast) -> SimpleNamespace:
    Resident.objects.filter(pk=cast.resident.pk).update(name=OURS_NAME)
    Resident.objects.filter(pk=cast.other_resident.pk).update(name=THEIRS_NAME)
    cast.resident.refresh_from_db()
    cast.other_resident.refresh_from_db()
    worker = f.UserFactory(username="worker", role=Role.SOCIAL_WORKER)
    volunteer = f.UserFactory(username="volunteer", role=Role.VOLUNTEER)
    users = {
        Role.CIVIL_AFFAIRS: cast.civil,
        Role.STREET_STAFF: cast.street_staff,
        Role.COMMUNITY_STAFF: cast.community_staff,
        Role.ORGANIZATION: cast.member,
        Role.SOCIAL_WORKER: worker,
        Role.VOLUNTEER: volunteer,
        Role.RESIDENT: cast.resident.user,
        Role.FAMILY: cast.family,
        Role.DASHBOARD: f.UserFactory(username="dashboard", role=Role.DASHBOARD),
        ANONYMOUS: None,
    }
    ours = _side(
        organization=cast.organization,
        community=cast.community,
        street=cast.east_street,
        district=cast.east_street.district,
        resident=cast.resident,
        owner=cast.civil,
        runner=cast.street_staff,
        worker_user=worker,
        volunteer_user=volunteer,
    )
    theirs = _side(
        organization=cast.other_organization,
        community=cast.other_community,
        street=cast.west_street,
        # Both streets lie in one district: the foreign district is one more.
        district=f.StreetFactory().district,
        resident=cast.other_resident,
        owner=cast.other_street_staff,
        runner=cast.other_street_staff,
    )
    world = SimpleNamespace(
        cast=cast,
        users={str(role): user for role, user in users.items()},
        sides={"ours": ours, "theirs": theirs},
        # Names that must never show in an east-side user's scoped list.
        foreign_names=[THEIRS_NAME, cast.other_organization.name],
    )
    extend_world(world)  # each app's objects (tests/policy/apps/)
    return world
