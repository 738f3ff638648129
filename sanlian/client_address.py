"""The address a request came from, trusting exactly TRUSTED_PROXIES reverse proxies.

Each trusted proxy appends the address it received the request from to
X-Forwarded-For, so the client is the entry TRUSTED_PROXIES places from the right;
anything further left was written by the client and proves nothing. With no trusted
proxy (the default) the header is ignored. The lockout, the API throttles
(sanlian/api/throttling.py) and the access log all ask this function; DRF's own
NUM_PROXIES is set from the same setting for any DRF code that reads it.
"""

from django.conf import settings


def client_address(request) -> str:
    if request is None:  # a form used outside a request (tests, the shell)
        return ""
    remote = request.META.get("REMOTE_ADDR", "") or ""
    trusted = settings.TRUSTED_PROXIES
    if trusted <= 0:
        return remote
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    if not hops:
        return remote
    return hops[-min(trusted, len(hops))]
