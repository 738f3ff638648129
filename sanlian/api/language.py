"""The language an API answer's sentences are written in (stored facts, sanlian.stored_text).

The pages speak the language picked with the switcher (sanlian.locale). An API client
picks it with Accept-Language, the usual HTTP way; without one (or naming a language the
portal does not speak) the answer is in the signed-in user's language, kept from the
switcher, and Simplified Chinese for no one. A browser that picked with the switcher
sends its cookie, which wins as it does on the pages.
"""

from django.conf import settings
from django.utils import translation
from django.utils.translation.trans_real import parse_accept_lang_header
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from sanlian import stored_text


def _supported(code: str) -> str | None:
    try:
        return translation.get_supported_language_variant(code)
    except LookupError:
        return None


def api_language(request) -> str:
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    if chosen in dict(settings.LANGUAGES):
        return chosen
    header = request.headers.get("Accept-Language", "")
    for code, _quality in parse_accept_lang_header(header[:200]):
        if code != "*" and (found := _supported(code)):
            return found
    user = getattr(request, "user", None)
    return getattr(user, "language", None) or settings.LANGUAGE_CODE


@extend_schema_field(OpenApiTypes.STR)
class StoredTextField(serializers.Field):
    """A stored sentence (its facts, or the text kept beside them for older rows and a
    person's own words) written out in the caller's language."""

    def __init__(self, *, facts: str, text: str, **kwargs):
        self.facts, self.text = facts, text
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, obj) -> str:
        request = self.context.get("request")
        language = api_language(request) if request is not None else settings.LANGUAGE_CODE
        with translation.override(language):
            return stored_text.render(getattr(obj, self.facts), getattr(obj, self.text))
