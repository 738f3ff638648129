"""Access-matrix rows contributed by one app each, so apps add rows without editing the core
table. Every module in this package defines:

- ``OBJECTS``: the object names its rules use (a set of str);
- ``RULES``: a tuple of ``tests.policy.policy.Rule`` (build them with ``_page``/``_api``);
- ``EFFECTS``: ``{(obj, action[, channel]): reading}`` as in ``tests.policy.matrix.EFFECTS``;
- ``extend_world(world)``: adds the targets its probes name to ``world.sides["ours"]`` and
  ``world.sides["theirs"]`` (built by ``tests.policy.world.build_world``);

and may define ``EXTRA_DATA`` like ``tests.policy.matrix.EXTRA_DATA``.
``tests.policy.registry`` gathers them.
"""

import importlib
import pkgutil
from types import ModuleType


def modules() -> list[ModuleType]:
    return [
        importlib.import_module(f"{__name__}.{info.name}")
        for info in sorted(pkgutil.iter_modules(__path__), key=lambda info: info.name)
        if not info.name.startswith("_")
    ]
