"""Every role of the portal and every named group of roles: the one vocabulary.

Permission predicates (`<app>/rules.py`), scoped queries, views, the API and the menu
name groups from here; no other module spells a set of roles out. A new role is added
here first (see docs/architecture.md, "where to add").
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    CIVIL_AFFAIRS = "civil_affairs", _("民政局工作人员")
    STREET_STAFF = "street_staff", _("街道办工作人员")
    COMMUNITY_STAFF = "community_staff", _("社区工作人员")
    ORGANIZATION = "organization", _("社会组织工作人员")
    SOCIAL_WORKER = "social_worker", _("社工")
    VOLUNTEER = "volunteer", _("志愿者")
    RESIDENT = "resident", _("居民")
    FAMILY = "family", _("居民家属")
    DASHBOARD = "dashboard", _("数据大屏客户端")


EVERYONE = frozenset(Role)
# People who log in to pages; the dashboard role is a program reading aggregates.
PEOPLE = EVERYONE - {Role.DASHBOARD}

# Government staff: the civil-affairs bureau (city), street offices and communities.
STAFF = frozenset({Role.CIVIL_AFFAIRS, Role.STREET_STAFF, Role.COMMUNITY_STAFF})
# Staff whose reach is the street(s) or community of their StaffAssignment rows.
LOCAL_STAFF = frozenset({Role.STREET_STAFF, Role.COMMUNITY_STAFF})
# Staff who supervise: review organizations, keep the registry, correct ledgers, audit.
SUPERVISORS = frozenset({Role.CIVIL_AFFAIRS, Role.STREET_STAFF})
CITY_STAFF = frozenset({Role.CIVIL_AFFAIRS})

ORGANIZATION_STAFF = frozenset({Role.ORGANIZATION})
# Those who arrange care: staff, and organizations for their own offerings and visits.
ORGANIZERS = STAFF | ORGANIZATION_STAFF

# Social workers and volunteers, who carry out visits.
FIELD_WORKERS = frozenset({Role.SOCIAL_WORKER, Role.VOLUNTEER})
# Everyone a visit can be assigned to: field workers and an organization's own staff.
VISIT_WORKERS = FIELD_WORKERS | ORGANIZATION_STAFF
# Who reviews flagged field visits: the organization, and social workers of the community.
VISIT_REVIEWERS = ORGANIZATION_STAFF | {Role.SOCIAL_WORKER}

# A resident and the family members registered for them.
RESIDENT_SIDE = frozenset({Role.RESIDENT, Role.FAMILY})
# Who may file a care request: the resident's side, or staff on their behalf.
REQUEST_FILERS = STAFF | RESIDENT_SIDE

# Aggregate figures: staff in their scope, dashboard programs city-wide.
STATS_READERS = STAFF | {Role.DASHBOARD}
CITY_WIDE = frozenset({Role.CIVIL_AFFAIRS, Role.DASHBOARD})

# Social work (casework/): who assesses ability and keeps case files. Whether a social
# worker may act for a resident also depends on the communities they serve.
CASE_WORKERS = frozenset({Role.SOCIAL_WORKER})
# Staff who see assessments and case metadata (never progress notes) in their scope.
CASE_OVERSEERS = STAFF
CASE_READERS = CASE_OVERSEERS | CASE_WORKERS

# Volunteer service (activities/): who sets up community posts and shifts.
VOLUNTEER_ORGANIZERS = STAFF | CASE_WORKERS
# Mutual help: staff record and confirm help at the desk; residents and family spend hours.
TIME_BANK_USERS = STAFF | RESIDENT_SIDE
# Suggestions (建言献策) come from residents, their families and organizations entered.
SUGGESTION_AUTHORS = RESIDENT_SIDE | ORGANIZATION_STAFF

# Government purchase of services (projects/): who may be named a call's reviewer (staff,
# and experts of hub organizations).
PROJECT_REVIEWERS = ORGANIZERS


def role_of(user) -> str | None:
    """The user's role, or None for an anonymous visitor."""
    return user.role if user.is_authenticated else None


def has_role(user, roles) -> bool:
    return role_of(user) in roles
