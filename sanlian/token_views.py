"""API token pages: the owner's own (account menu) and every token for civil-affairs staff.

Both list created, last used, expiry and idle expiry, never the key; a token is named by
its fingerprint (sanlian/api/tokens.py). A fingerprint that is not among the viewer's
tokens is a 404, whoever's it is.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sanlian.api.tokens import (
    token_find,
    token_revoke,
    token_summary,
    tokens_of,
    tokens_visible_to,
)
from sanlian.rules import may_manage_all_tokens
from sanlian.view_helpers import predicate_required


def _summaries(tokens):
    now = timezone.now()
    return [token_summary(token, now=now) for token in tokens]


@login_required
def my_tokens(request):
    return render(
        request,
        "registration/tokens.html",
        {
            "tokens": _summaries(tokens_of(request.user)),
            "everyone": False,
            "may_manage_all_tokens": may_manage_all_tokens(request.user),
        },
    )


@predicate_required(may_manage_all_tokens)
def all_tokens(request):
    return render(
        request,
        "registration/tokens.html",
        {"tokens": _summaries(tokens_visible_to(request.user)), "everyone": True},
    )


@require_POST
@login_required
def token_revoke_view(request, fingerprint: str):
    everyone = request.POST.get("from") == "all" and may_manage_all_tokens(request.user)
    tokens = tokens_visible_to(request.user) if everyone else tokens_of(request.user)
    token = token_find(tokens, fingerprint)
    if token is None:
        raise Http404
    token_revoke(token=token, revoked_by=request.user)
    messages.success(request, _("令牌已吊销，使用它的程序需要重新获取令牌。"))
    return redirect("tokens_all" if everyone else "tokens")
