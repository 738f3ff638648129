"""Django's admin loads `services.admin`: each sub-package registers its own models."""

from services.allowances import admin as allowances_admin  # noqa: F401
from services.care import admin as care_admin  # noqa: F401
from services.matching import admin as matching_admin  # noqa: F401
from services.notifications import admin as notifications_admin  # noqa: F401
from services.offerings import admin as offerings_admin  # noqa: F401
