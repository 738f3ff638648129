"""System checks run at every start (runserver, migrate, check): deployment choices to flag."""

from django.conf import settings
from django.core.checks import Warning, register


@register()
def plain_http_opt_out(app_configs, **kwargs) -> list[Warning]:
    if not getattr(settings, "PLAIN_HTTP_OPT_OUT", False):
        return []
    return [
        Warning(
            "SECURE_SSL=false with DEBUG off: no HTTPS redirect, no HSTS, cookies not Secure.",
            hint="Only for a plain-HTTP intranet; passwords and residents' data cross the "
            "network unencrypted. Unset SECURE_SSL behind a TLS proxy.",
            id="sanlian.W001",
        )
    ]
