"""Role groups of the resident, hotline and visit pages (helpers: sanlian.view_helpers)."""

from sanlian.models import STAFF_ROLES, Role

ORGANIZERS = frozenset({*STAFF_ROLES, Role.ORGANIZATION})
RESIDENT_SIDE = frozenset({Role.RESIDENT, Role.FAMILY})
WORKERS = frozenset({Role.SOCIAL_WORKER, Role.VOLUNTEER, Role.ORGANIZATION})
