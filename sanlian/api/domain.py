"""Dashboard clients: read-only programs that see /api/v1/stats/ and nothing else.

A dashboard client is a User with Role.DASHBOARD, no usable password and one
DRF token; the role keeps it out of every personal-data endpoint.
"""

import secrets

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from rest_framework.authtoken.models import Token

from sanlian import stored_text
from sanlian.audit import audit_record
from sanlian.models import AuditEntry, User
from sanlian.roles import Role


def _require_civil_affairs(user) -> None:
    if user.role != Role.CIVIL_AFFAIRS:
        raise PermissionDenied(_("只有民政局工作人员可以管理数据大屏令牌。"))


def dashboard_clients_visible_to(user) -> QuerySet[User]:
    clients = User.objects.filter(role=Role.DASHBOARD).select_related("auth_token")
    if not user.is_authenticated or user.role != Role.CIVIL_AFFAIRS:
        return clients.none()
    return clients.order_by("-date_joined", "-pk")


@transaction.atomic
def dashboard_token_issue(*, name: str, issued_by) -> Token:
    """Create a dashboard client and its token; the key is shown to the issuer once."""
    _require_civil_affairs(issued_by)
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("请填写大屏程序的名称。")})
    client = User(
        username=f"dashboard-{secrets.token_hex(6)}", role=Role.DASHBOARD, display_name=name
    )
    client.set_unusable_password()
    client.full_clean()
    client.save()
    token = Token.objects.create(user=client)
    audit_record(
        actor=issued_by,
        instance=client,
        action=AuditEntry.Action.CREATE,
        after={"role": Role.DASHBOARD, "display_name": name},
        reason=stored_text.text(gettext_noop("签发数据大屏令牌")),
    )
    return token


@transaction.atomic
def dashboard_token_revoke(*, client: User, revoked_by) -> User:
    _require_civil_affairs(revoked_by)
    if client.role != Role.DASHBOARD:
        raise ValidationError(_("只能吊销数据大屏客户端的令牌。"))
    Token.objects.filter(user=client).delete()
    client.is_active = False
    client.save(update_fields=["is_active"])
    audit_record(
        actor=revoked_by,
        instance=client,
        action=AuditEntry.Action.STATUS,
        before={"is_active": True},
        after={"is_active": False},
        reason=stored_text.text(gettext_noop("吊销数据大屏令牌")),
    )
    return client
