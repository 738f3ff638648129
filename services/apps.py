from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from communities.hooks import resident_data_register
from sanlian.health import health_part_register


class ServicesConfig(AppConfig):
    name = "services"
    verbose_name = _("养老服务")

    def ready(self) -> None:
        # Residents' rights reach the care records kept here (communities/hooks.py).
        # services.privacy imports models, which may be imported from ready() on.
        from django.utils import timezone

        from services.notifications.channel_health import channel_states
        from services.privacy import SERVICES_RESIDENT_DATA

        resident_data_register(SERVICES_RESIDENT_DATA)
        # /healthz shows each notification channel's breaker (ok, failing, paused).
        health_part_register("channels", lambda: channel_states(now=timezone.now()))
