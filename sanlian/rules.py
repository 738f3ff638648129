"""Who may do what to the plumbing's own objects: API tokens (sanlian/api/tokens.py)."""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from sanlian.refusals import Refusal
from sanlian.roles import Role, has_role


def may_manage_all_tokens(user) -> bool:
    """Civil-affairs staff list and revoke anyone's API token."""
    return bool(user.is_authenticated and has_role(user, (Role.CIVIL_AFFAIRS,)))


def token_revoke_refusal(user, token) -> Refusal | None:
    if not user.is_authenticated:
        return PermissionDenied(_("请先登录。"))
    if token.user_id == user.pk or may_manage_all_tokens(user):
        return None
    return PermissionDenied(_("只能吊销自己的令牌。"))


def may_revoke_token(user, token) -> bool:
    return token_revoke_refusal(user, token) is None
