"""Extra parts /healthz reports, registered by the apps that own them (a hook, not an import).

A part answers a JSON-able dict of states; "paused" or "failing" anywhere makes the
answer "degraded", still 200: web servers stay in rotation over a mail server's outage.
"""

from collections.abc import Callable

_PARTS: dict[str, Callable[[], dict]] = {}
DEGRADED_STATES = frozenset({"paused", "failing"})


def health_part_register(name: str, report: Callable[[], dict]) -> None:
    _PARTS[name] = report


def health_parts() -> dict[str, dict]:
    parts = {}
    for name, report in _PARTS.items():
        try:
            parts[name] = report()
        except Exception:
            parts[name] = {"error": "unavailable"}
    return parts


def health_degraded(parts: dict[str, dict]) -> bool:
    return any(
        state in DEGRADED_STATES or state == "unavailable"
        for part in parts.values()
        for state in part.values()
    )
