"""Throttles beyond DRF's per-client anon/user rates (rates live in settings.REST_FRAMEWORK)."""

from rest_framework.throttling import AnonRateThrottle


class LoginRateThrottle(AnonRateThrottle):
    """Token requests per client address: slows password guessing."""

    scope = "login"


class RegistrationRateThrottle(AnonRateThrottle):
    """Anonymous organization registrations per client address."""

    scope = "registration"
