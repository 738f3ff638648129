"""Where a volunteer's served hours come from, registered at app start.

Hours are never typed: they are credited from shift attendance and completed visits, which
apps above socialworkers keep (activities registers `activities.queries.volunteer_minutes`
in its AppConfig.ready()). Pages here show the sum of what the registered sources report.
"""

from collections.abc import Callable

# A source: volunteer ids -> {id: minutes served}.
_minutes_sources: list[Callable[[list[int]], dict[int, int]]] = []


def volunteer_minutes_register(source: Callable[[list[int]], dict[int, int]]) -> None:
    if source not in _minutes_sources:
        _minutes_sources.append(source)


def volunteer_hours_of(volunteer_ids: list[int]) -> dict[int, str] | None:
    """Hours served per volunteer id ("12.5"), or None when no app reports hours."""
    if not _minutes_sources:
        return None
    minutes = dict.fromkeys(volunteer_ids, 0)
    for source in _minutes_sources:
        for pk, served in source(list(volunteer_ids)).items():
            minutes[pk] = minutes.get(pk, 0) + served
    return {pk: f"{served / 60:.1f}" for pk, served in minutes.items()}


def volunteers_with_hours(volunteers) -> list:
    """The volunteers (a page's worth), each with `served_hours` set (None: not known)."""
    volunteers = list(volunteers)
    hours = volunteer_hours_of([volunteer.pk for volunteer in volunteers]) or {}
    for volunteer in volunteers:
        volunteer.served_hours = hours.get(volunteer.pk)
    return volunteers
