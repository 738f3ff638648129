"""API tokens expire: a fixed lifetime from issue, and an idle timeout since last use.

Dashboard programs (read-only, aggregates only) keep a token for
DASHBOARD_TOKEN_LIFETIME_DAYS / DASHBOARD_TOKEN_IDLE_DAYS; every other user's token,
which reads personal data, lives API_TOKEN_LIFETIME_HOURS and idles out after
API_TOKEN_IDLE_MINUTES, like a browser session. An expired token is deleted when it
is presented; its owner asks for a new one at /api/v1/auth/token/.
"""

import datetime
import hashlib
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop
from rest_framework.authentication import TokenAuthentication, get_authorization_header
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import AuthenticationFailed

from sanlian import stored_text
from sanlian.audit import audit_record
from sanlian.models import AuditEntry, TokenActivity
from sanlian.refusals import refuse
from sanlian.roles import Role
from sanlian.rules import may_manage_all_tokens, token_revoke_refusal

# Last use is written at most this often, so a busy client does not write every request.
TOUCH_EVERY = datetime.timedelta(minutes=1)


def token_limits(user) -> tuple[datetime.timedelta, datetime.timedelta]:
    """(lifetime, idle timeout) of `user`'s tokens."""
    if user.role == Role.DASHBOARD:
        return (
            datetime.timedelta(days=settings.DASHBOARD_TOKEN_LIFETIME_DAYS),
            datetime.timedelta(days=settings.DASHBOARD_TOKEN_IDLE_DAYS),
        )
    return (
        datetime.timedelta(hours=settings.API_TOKEN_LIFETIME_HOURS),
        datetime.timedelta(minutes=settings.API_TOKEN_IDLE_MINUTES),
    )


def _last_used(token: Token) -> datetime.datetime:
    try:
        return token.activity.last_used_at
    except TokenActivity.DoesNotExist:
        return token.created


def token_is_expired(token: Token, *, now: datetime.datetime) -> bool:
    lifetime, idle = token_limits(token.user)
    return now - token.created > lifetime or now - _last_used(token) > idle


def token_for_login(*, user) -> Token:
    """The user's token for a password login: the current one, or a new one once expired."""
    token = Token.objects.select_related("user", "activity").filter(user=user).first()
    if token is not None and token_is_expired(token, now=timezone.now()):
        token.delete()
        token = None
    return token or Token.objects.create(user=user)


class ExpiringTokenAuthentication(TokenAuthentication):
    """DRF's token authentication, refusing (and deleting) an expired token.

    `Authorization: Bearer <key>` is the form most clients guess; it gets a 401 that
    names the right one instead of falling through to a bare 403.
    """

    def authenticate(self, request):
        scheme = get_authorization_header(request).split(b" ", 1)[0].lower()
        if scheme == b"bearer":
            raise AuthenticationFailed(
                _("请使用 Authorization: Token <令牌> 形式的请求头，而不是 Bearer。")
            )
        return super().authenticate(request)

    def authenticate_credentials(self, key):
        try:
            token = Token.objects.select_related("user", "activity").get(key=key)
        except Token.DoesNotExist:
            raise AuthenticationFailed(_("令牌无效。")) from None
        if not token.user.is_active:
            raise AuthenticationFailed(_("该账户已停用。"))
        now = timezone.now()
        if token_is_expired(token, now=now):
            token.delete()
            raise AuthenticationFailed(_("令牌已过期，请重新获取。"))
        if not hasattr(token, "activity") or now - _last_used(token) > TOUCH_EVERY:
            TokenActivity.objects.update_or_create(token=token, defaults={"last_used_at": now})
        return token.user, token


# --- Listing and revoking (the owner's page and API, civil-affairs staff's page) ------------
# A token is named by a fingerprint of its key, never by the key itself (DRF's Token has the
# key as its primary key): after issue, nobody sees the key again, not even its owner.


def token_fingerprint(token: Token) -> str:
    return hashlib.sha256(token.key.encode()).hexdigest()[:16]


def tokens_of(user) -> QuerySet[Token]:
    """The user's own tokens (DRF gives a user one at most)."""
    if not user.is_authenticated:
        return Token.objects.none()
    return Token.objects.filter(user=user).select_related("user", "activity")


def tokens_visible_to(user) -> QuerySet[Token]:
    """Every token for civil-affairs staff, the user's own for anyone else."""
    if not user.is_authenticated:
        return Token.objects.none()
    tokens = Token.objects.select_related("user", "activity").order_by("-created")
    return tokens if may_manage_all_tokens(user) else tokens.filter(user=user)


def token_find(tokens: QuerySet[Token], fingerprint: str) -> Token | None:
    """The token of `tokens` with that fingerprint; one pass over keys (tokens are few)."""
    for token in tokens:
        if secrets.compare_digest(token_fingerprint(token), fingerprint):
            return token
    return None


@dataclass(frozen=True)
class TokenSummary:
    id: str
    owner: object
    created: datetime.datetime
    last_used: datetime.datetime | None
    expires_at: datetime.datetime
    idle_expires_at: datetime.datetime
    expired: bool


def token_summary(token: Token, *, now: datetime.datetime) -> TokenSummary:
    lifetime, idle = token_limits(token.user)
    activity = getattr(token, "activity", None)  # a token never used has no activity row
    return TokenSummary(
        id=token_fingerprint(token),
        owner=token.user,
        created=token.created,
        last_used=activity.last_used_at if activity else None,
        expires_at=token.created + lifetime,
        idle_expires_at=_last_used(token) + idle,
        expired=token_is_expired(token, now=now),
    )


@transaction.atomic
def token_revoke(*, token: Token, revoked_by) -> None:
    """Delete a token (its owner, or civil-affairs staff for anyone's), and audit it."""
    refuse(token_revoke_refusal(revoked_by, token))
    owner = token.user
    token.delete()
    audit_record(
        actor=revoked_by,
        instance=owner,
        action=AuditEntry.Action.STATUS,
        before={"api_token": True},
        after={"api_token": False},
        reason=stored_text.text(gettext_noop("吊销API令牌")),
    )


def user_tokens_end(*, user) -> int:
    """Delete every API token of `user` (after a password reset or an administrator's new
    password, so whoever held the old password holds no token either)."""
    deleted, _rows = Token.objects.filter(user=user).delete()
    return deleted
