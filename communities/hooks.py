"""Resident events that apps above communities take part in, registered at app start.

communities is the lowest domain app and imports no app above it, yet an access request
must list the care records kept elsewhere, withdrawing consent must cancel visits, and
anonymising must scrub them. Each app that keeps data about residents registers one
`ResidentData` in its AppConfig.ready() (services: services/privacy.py).
"""

# No model imports: apps register from AppConfig.ready(), and their apps.py imports this.
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class ResidentData:
    # Sections added to the access-request export: {"visits": [row, ...], ...}.
    held_about: Callable[..., dict]
    # The app's audited objects about the resident: {"services.visit": [pk, ...], ...}.
    audited_objects: Callable[..., dict]
    # Consent withdrawn: stop creating care records (actor, resident, note).
    care_stop: Callable[..., None]
    # Anonymisation: scrub the resident's values (longest first) and free text.
    scrub: Callable[..., None]


_registered: list[ResidentData] = []


def resident_data_register(hooks: ResidentData) -> None:
    if hooks not in _registered:
        _registered.append(hooks)


def resident_data_hooks() -> tuple[ResidentData, ...]:
    return tuple(_registered)


# Apps that decide a resident's care level (casework: the latest signed ability
# assessment) register a predicate; where one says yes the level is not typed by hand.
_care_level_sources: list[Callable[..., bool]] = []


def care_level_source_register(predicate: Callable[..., bool]) -> None:
    if predicate not in _care_level_sources:
        _care_level_sources.append(predicate)


def care_level_assessed(resident) -> bool:
    return any(predicate(resident) for predicate in _care_level_sources)
