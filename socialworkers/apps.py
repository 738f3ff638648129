from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SocialworkersConfig(AppConfig):
    name = "socialworkers"
    verbose_name = _("社工与志愿者")
