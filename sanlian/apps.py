from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SanlianConfig(AppConfig):
    name = "sanlian"
    verbose_name = _("账户与审计")

    def ready(self) -> None:
        from sanlian import checks  # noqa: F401 - registers the checks
