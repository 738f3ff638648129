"""Who may read and keep the registry of social workers, volunteer teams and volunteers.

`may_<action>(user)` answers for the page and the menu; with an entry it adds the scope of
that entry (`*_visible_to`), for the button and the domain.
"""

from sanlian.roles import STAFF, SUPERVISORS, has_role
from socialworkers.models import SocialWorker, Volunteer, VolunteerTeam
from socialworkers.queries import (
    social_workers_visible_to,
    volunteer_teams_visible_to,
    volunteers_visible_to,
)

RegistryEntry = SocialWorker | VolunteerTeam | Volunteer


def entry_in_scope(user, entry: RegistryEntry) -> bool:
    if isinstance(entry, SocialWorker):
        visible = social_workers_visible_to(user)
    elif isinstance(entry, VolunteerTeam):
        visible = volunteer_teams_visible_to(user)
    else:
        visible = volunteers_visible_to(user)
    return visible.filter(pk=entry.pk).exists()


def may_view_registry(user, entry: RegistryEntry | None = None) -> bool:
    """The staff pages of the registry: lists, details and social-worker coverage."""
    if not has_role(user, STAFF):
        return False
    return entry is None or entry_in_scope(user, entry)


def may_edit_registry(user, entry: RegistryEntry | None = None) -> bool:
    """Register or change social workers, teams and volunteers: the supervising staff."""
    if not has_role(user, SUPERVISORS):
        return False
    return entry is None or entry_in_scope(user, entry)
