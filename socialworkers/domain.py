"""Writes for the registry of social workers, volunteer teams and volunteers."""

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from communities.models import Community
from communities.queries import communities_visible_to
from sanlian.audit import audit_record, snapshot
from sanlian.models import AuditEntry
from socialworkers import rules
from socialworkers.models import Skill, SocialWorker, Volunteer, VolunteerTeam
from socialworkers.queries import (
    social_workers_visible_to,
    volunteer_teams_visible_to,
)

WORKER_FIELDS = ["name", "phone", "qualification", "certificate_number", "organization", "active"]
TEAM_FIELDS = ["name", "community", "leader", "founded_on"]
VOLUNTEER_FIELDS = ["name", "phone", "team"]


# The role part of `rules.may_edit_registry` here, its scope part (`rules.entry_in_scope`) in
# each update: two messages, one predicate.
def _check_editor(actor) -> None:
    if not rules.may_edit_registry(actor):
        raise PermissionDenied(_("只有民政局和街道办工作人员可以维护社工与志愿者名册。"))


def _check_communities(*, actor, communities: Iterable[Community], field: str) -> None:
    in_scope = set(communities_visible_to(actor).values_list("pk", flat=True))
    if any(community.pk not in in_scope for community in communities):
        raise ValidationError({field: _("只能选择您管辖范围内的社区。")})


def _save_with_history(*, instance, actor, fields: list[str], before: dict | None) -> None:
    instance.full_clean()
    instance.save()
    audit_record(
        actor=actor,
        instance=instance,
        action=AuditEntry.Action.CREATE if before is None else AuditEntry.Action.CHANGE,
        before=before,
        after=snapshot(instance, fields),
    )


@transaction.atomic
def social_worker_create(
    *, actor, communities: Iterable[Community], skills: Iterable[Skill], **fields
) -> SocialWorker:
    _check_editor(actor)
    communities = list(communities)
    if not communities:
        raise ValidationError({"communities": _("请至少选择一个服务社区。")})
    _check_communities(actor=actor, communities=communities, field="communities")
    worker = SocialWorker(**fields)
    _save_with_history(instance=worker, actor=actor, fields=WORKER_FIELDS, before=None)
    worker.communities.set(communities)
    worker.skills.set(skills)
    return worker


@transaction.atomic
def social_worker_update(
    *,
    social_worker: SocialWorker,
    actor,
    communities: Iterable[Community],
    skills: Iterable[Skill],
    **fields,
) -> SocialWorker:
    """Street staff change only the communities of their own street; others stay as they were."""
    _check_editor(actor)
    if not rules.entry_in_scope(actor, social_worker):
        raise PermissionDenied(_("该社工不在您的管辖范围内。"))
    communities = list(communities)
    _check_communities(actor=actor, communities=communities, field="communities")
    in_scope = set(communities_visible_to(actor).values_list("pk", flat=True))
    kept = set(social_worker.communities.exclude(pk__in=in_scope).values_list("pk", flat=True))
    if not communities and not kept:
        raise ValidationError({"communities": _("请至少选择一个服务社区。")})
    before = snapshot(social_worker, WORKER_FIELDS)
    for field, value in fields.items():
        setattr(social_worker, field, value)
    _save_with_history(instance=social_worker, actor=actor, fields=WORKER_FIELDS, before=before)
    social_worker.communities.set(kept | {community.pk for community in communities})
    social_worker.skills.set(skills)
    return social_worker


def _check_team_input(*, actor, community: Community, leader: SocialWorker | None) -> None:
    _check_communities(actor=actor, communities=[community], field="community")
    if leader is not None and not social_workers_visible_to(actor).filter(pk=leader.pk).exists():
        raise ValidationError({"leader": _("只能选择您管辖范围内的社工。")})


@transaction.atomic
def volunteer_team_create(
    *, actor, name: str, community: Community, leader: SocialWorker | None, founded_on=None
) -> VolunteerTeam:
    _check_editor(actor)
    _check_team_input(actor=actor, community=community, leader=leader)
    team = VolunteerTeam(name=name, community=community, leader=leader, founded_on=founded_on)
    _save_with_history(instance=team, actor=actor, fields=TEAM_FIELDS, before=None)
    return team


@transaction.atomic
def volunteer_team_update(*, team: VolunteerTeam, actor, **fields) -> VolunteerTeam:
    _check_editor(actor)
    if not rules.entry_in_scope(actor, team):
        raise PermissionDenied(_("该服务队不在您的管辖范围内。"))
    _check_team_input(actor=actor, community=fields["community"], leader=fields.get("leader"))
    before = snapshot(team, TEAM_FIELDS)
    for field, value in fields.items():
        setattr(team, field, value)
    _save_with_history(instance=team, actor=actor, fields=TEAM_FIELDS, before=before)
    return team


def _check_volunteer_team(*, actor, team: VolunteerTeam | None) -> None:
    if team is None:
        raise ValidationError({"team": _("请选择所属服务队。")})
    if not volunteer_teams_visible_to(actor).filter(pk=team.pk).exists():
        raise ValidationError({"team": _("只能选择您管辖范围内的服务队。")})


@transaction.atomic
def volunteer_create(
    *,
    actor,
    name: str,
    team: VolunteerTeam | None,
    skills: Iterable[Skill],
    phone: str = "",
) -> Volunteer:
    _check_editor(actor)
    _check_volunteer_team(actor=actor, team=team)
    volunteer = Volunteer(name=name, phone=phone, team=team)
    _save_with_history(instance=volunteer, actor=actor, fields=VOLUNTEER_FIELDS, before=None)
    volunteer.skills.set(skills)
    return volunteer


@transaction.atomic
def volunteer_update(
    *, volunteer: Volunteer, actor, skills: Iterable[Skill], **fields
) -> Volunteer:

    _check_editor(actor)
    if not rules.entry_in_scope(actor, volunteer):
        raise PermissionDenied(_("该志愿者不在您的管辖范围内。"))
    _check_volunteer_team(actor=actor, team=fields.get("team"))
    before = snapshot(volunteer, VOLUNTEER_FIELDS)
    for field, value in fields.items():
        setattr(volunteer, field, value)
    _save_with_history(instance=volunteer, actor=actor, fields=VOLUNTEER_FIELDS, before=before)
    volunteer.skills.set(skills)
    return volunteer
