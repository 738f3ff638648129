from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from communities.hooks import care_level_source_register
from services.allowances.hooks import charge_reversal_voucher_register


class CaseworkConfig(AppConfig):
    name = "casework"
    verbose_name = _("社会工作")

    def ready(self) -> None:
        # The signed ability assessment sets the care level (communities/hooks.py).
        # casework.domain imports models, which may be imported from ready() on.
        from casework.domain import resident_care_level_assessed
        from casework.rules import callback_vouches_reversal

        care_level_source_register(resident_care_level_assessed)
        # A failed callback lets its social worker reverse the visit's charge (allowances/hooks.py).
        charge_reversal_voucher_register(callback_vouches_reversal)
