"""The language switcher: Django's view, and the choice kept on the account."""

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_POST
from django.views.i18n import set_language

from sanlian.locale import user_language_set


@require_POST
def language_switch(request: HttpRequest) -> HttpResponse:
    response = set_language(request)
    user_language_set(user=request.user, language=request.POST.get("language", ""))
    return response
