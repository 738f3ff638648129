from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SanlianConfig(AppConfig):
    name = "sanlian"
    verbose_name = _("账户与审计")
