"""Throttles beyond DRF's per-client anon/user rates (rates live in settings.REST_FRAMEWORK).

Every throttle identifies an anonymous client by `sanlian.client_address`, the one
place that decides how far X-Forwarded-For is trusted (TRUSTED_PROXIES).
"""

from rest_framework import throttling

from sanlian.client_address import client_address


class _ByClientAddress:
    def get_ident(self, request) -> str:
        return client_address(request)


class AnonRateThrottle(_ByClientAddress, throttling.AnonRateThrottle):
    pass


class UserRateThrottle(_ByClientAddress, throttling.UserRateThrottle):
    pass


class LoginRateThrottle(AnonRateThrottle):
    """Token requests per client address: slows password guessing."""

    scope = "login"


class RegistrationRateThrottle(AnonRateThrottle):
    """Anonymous organization registrations per client address."""

    scope = "registration"
