"""The whole access matrix: the core table (tests.policy.policy) plus each app's rows
(tests.policy.apps.<app>), with the readings and world objects their probes need."""

from tests.policy import apps, policy

APPS = apps.modules()

CORE_OBJECTS = {
    "social_workers",
    "communities",
    "allowances",
    "dashboard",
    "residents",
    "requests",
    "matches",
    "visits",
    "feedback",
    "organizations",
    "agreements",
    "offerings",
    "exports",
    "audit_log",
}
OBJECTS = CORE_OBJECTS.union(*(app.OBJECTS for app in APPS))
POLICY: tuple[policy.Rule, ...] = policy.POLICY + tuple(rule for app in APPS for rule in app.RULES)
APP_EFFECTS = {key: reading for app in APPS for key, reading in app.EFFECTS.items()}
APP_EXTRA_DATA = {key: data for app in APPS for key, data in getattr(app, "EXTRA_DATA", {}).items()}


def extend_world(world) -> None:
    for app in APPS:
        app.extend_world(world)
