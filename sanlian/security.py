"""Security headers on every response, and no caching of personal data."""

from django.conf import settings

_CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        # Bootstrap components and Chart.js set style attributes at run time.
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "frame-ancestors 'none'",
        "form-action 'self'",
        "base-uri 'self'",
        "object-src 'none'",
    ]
)


PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=()"


def allow_geolocation(response):
    """Let this one page ask for the position (a field visit's check-in or check-out form);
    every other page keeps geolocation off."""
    response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(self)"
    return response


class SecurityHeadersMiddleware:
    """CSP and Permissions-Policy everywhere; `no-store` once a user is signed in.

    Every signed-in page can show residents' data, so none of it may sit in a
    browser or proxy cache (GB/T 35273 minimisation).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault(
            "Content-Security-Policy", settings.CONTENT_SECURITY_POLICY or _CSP
        )
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            response.headers["Cache-Control"] = "no-store, private"
            response.headers["Pragma"] = "no-cache"
        return response
