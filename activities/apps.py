from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from socialworkers.hooks import volunteer_minutes_register


class ActivitiesConfig(AppConfig):
    name = "activities"
    verbose_name = _("社区活动与志愿互助")

    def ready(self) -> None:
        # Volunteer hours shown by socialworkers' pages come from the credited records here
        # (socialworkers/hooks.py). activities.queries imports models: only from ready() on.
        from activities.queries import volunteer_minutes

        volunteer_minutes_register(volunteer_minutes)
