"""Dashboard sections contributed by the apps above the delivery chain (casework, projects,
activities, ...), one module each, so adding a section does not edit the dashboard view.

Each module in this package defines ``section(user, board) -> dict | None``: the context of
its part of ``/dashboard/`` for ``board`` (a ``reporting.dashboards.Dashboard``, whose
``stats_filter`` carries the place, pilot batch and dates) or None when the user may not see
it. The dict names its template under ``"template"``; the dashboard includes it with the dict
as ``section``. Sections appear in module-name order after the unmet-demand table.
"""

import importlib
import pkgutil


def _modules():
    return [
        importlib.import_module(f"{__name__}.{info.name}")
        for info in sorted(pkgutil.iter_modules(__path__), key=lambda info: info.name)
        if not info.name.startswith("_")
    ]


def sections_for(user, board) -> list[dict]:
    found = (module.section(user, board) for module in _modules())
    return [section for section in found if section is not None]
