from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


class ChosenLanguageMiddleware(LocaleMiddleware):
    """Simplified Chinese unless the person picked another language with the switcher.

    Django's own middleware follows the browser's Accept-Language, which would
    show staff on an English-language browser an English portal they never chose.
    """

    def process_request(self, request) -> None:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if chosen not in dict(settings.LANGUAGES):
            chosen = settings.LANGUAGE_CODE
        translation.activate(chosen)
        request.LANGUAGE_CODE = translation.get_language()


def user_language_set(*, user, language: str) -> None:
    """Keep the language a signed-in person picked, for what reaches them outside the
    portal (SMS and e-mail are sent in it); an unknown code changes nothing."""
    if not user.is_authenticated or language not in dict(settings.LANGUAGES):
        return
    if user.language != language:
        user.language = language
        user.save(update_fields=["language"])


def language_of(user) -> str:
    """The language to write to `user` outside the portal; Simplified Chinese for no one."""
    return getattr(user, "language", None) or settings.LANGUAGE_CODE
