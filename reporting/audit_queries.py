"""Who may read which history entries and access-log rows, and searching them."""

import datetime

from django.db.models import CharField, Q, QuerySet
from django.db.models.functions import Cast

from communities.queries import residents_visible_to
from organizations.queries import agreements_visible_to, organizations_visible_to
from sanlian.models import AccessLog, AuditEntry
from sanlian.roles import SUPERVISORS, Role
from services.care.queries import requests_visible_to, visits_visible_to
from services.matching.queries import matches_visible_to
from services.offerings.queries import offerings_visible_to

# Roles with an audit page: civil affairs see everything, street staff their streets.


def _tracked_visible_to(user) -> dict[str, QuerySet]:
    return {
        "communities.resident": residents_visible_to(user),
        "organizations.organization": organizations_visible_to(user),
        "organizations.agreement": agreements_visible_to(user),
        "services.serviceoffering": offerings_visible_to(user),
        "services.servicerequest": requests_visible_to(user),
        "services.match": matches_visible_to(user),
        "services.visit": visits_visible_to(user),
    }


def audit_entries_visible_to(user) -> QuerySet[AuditEntry]:
    entries = AuditEntry.objects.select_related("actor")
    if not user.is_authenticated or user.role not in SUPERVISORS:
        return entries.none()
    if user.role == Role.CIVIL_AFFAIRS:
        return entries
    scope = Q(pk__in=[])
    for object_type, visible in _tracked_visible_to(user).items():
        ids = visible.order_by().annotate(key=Cast("pk", CharField())).values("key")
        scope |= Q(object_type=object_type, object_id__in=ids)
    return entries.filter(scope)


def access_logs_visible_to(user) -> QuerySet[AccessLog]:
    logs = AccessLog.objects.select_related("actor", "resident__community")
    if not user.is_authenticated or user.role not in SUPERVISORS:
        return logs.none()
    if user.role == Role.CIVIL_AFFAIRS:
        return logs
    return logs.filter(resident__in=residents_visible_to(user).values("pk"))


def _actor_and_dates(
    rows: QuerySet, *, actor: str, date_from: datetime.date | None, date_to: datetime.date | None
) -> QuerySet:
    if actor:
        rows = rows.filter(
            Q(actor__username__icontains=actor) | Q(actor__display_name__icontains=actor)
        )
    if date_from:
        rows = rows.filter(at__date__gte=date_from)
    if date_to:
        rows = rows.filter(at__date__lte=date_to)
    return rows


def audit_entries_search(
    user,
    *,
    object_type: str = "",
    actor: str = "",
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
    text: str = "",
) -> QuerySet[AuditEntry]:
    entries = audit_entries_visible_to(user)
    if object_type:
        entries = entries.filter(object_type=object_type)
    if text:
        entries = entries.filter(
            Q(object_repr__icontains=text) | Q(reason__icontains=text) | Q(object_id=text)
        )
    return _actor_and_dates(entries, actor=actor, date_from=date_from, date_to=date_to)


def access_logs_search(
    user,
    *,
    kind: str = "",
    actor: str = "",
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
    text: str = "",
) -> QuerySet[AccessLog]:
    logs = access_logs_visible_to(user)
    if kind:
        logs = logs.filter(kind=kind)
    if text:
        logs = logs.filter(Q(resident__name__icontains=text) | Q(purpose__icontains=text))
    return _actor_and_dates(logs, actor=actor, date_from=date_from, date_to=date_to)
