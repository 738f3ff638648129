from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from communities.hooks import care_level_source_register


class CaseworkConfig(AppConfig):
    name = "casework"
    verbose_name = _("社会工作")

    def ready(self) -> None:
        # The signed ability assessment sets the care level (communities/hooks.py).
        # casework.domain imports models, which may be imported from ready() on.
        from casework.domain import resident_care_level_assessed

        care_level_source_register(resident_care_level_assessed)
