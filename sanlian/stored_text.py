"""Sentences stored as facts and written out in the reader's language when shown.

A row that keeps a sentence for later readers (a notification, a match's reason) keeps
its message id (the Chinese source string, which the catalogs translate) and its
parameters, e.g. ``{"t": "%(name)s 的个案检视应于 %(due)s 完成。", "p": {"name": "王秀英",
"due": "2026-12-02"}}``. A parameter can itself be such a sentence (a channel's label)
or a moment, ``{"dt": "2026-12-02T10:00:00+08:00"}``, written in the reader's format.
Mark the message ids with ``gettext_noop`` so makemessages finds them. The rendered
Chinese text is kept beside the facts for rows written before, SMS and e-mail.
"""

import datetime
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.conf import settings
from django.utils import dateformat, formats, timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext, pgettext

Stored = dict | list | None


def text(msgid: str, **params) -> dict:
    """The stored form of one sentence; dates become moments, the rest stays as given."""
    return {"t": msgid, "p": {name: _param(value) for name, value in params.items()}}


def moment(value: datetime.datetime) -> dict:
    return {"dt": value.isoformat()}


def _param(value):
    if isinstance(value, datetime.datetime):
        return moment(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, dict | int | float | str):
        return value
    return str(value)


def _render_param(value):
    if isinstance(value, dict) and "dt" in value:
        when = timezone.localtime(parse_datetime(value["dt"]))
        return formats.date_format(when, gettext("n月j日 H:i"))
    if isinstance(value, dict) and "t" in value:
        return render(value)
    return value


def render(stored: Stored, fallback: str = "") -> str:
    """The sentence (or the facts of a list, joined) in the active language."""
    if not stored:
        return fallback
    if isinstance(stored, list):
        return pgettext("facts", "；").join(render(item) for item in stored)
    params = {name: _render_param(value) for name, value in stored.get("p", {}).items()}
    try:
        return gettext(stored["t"]) % params if params else gettext(stored["t"])
    except (KeyError, TypeError, ValueError):
        return fallback or stored["t"]  # a catalog entry that lost a placeholder


def source(stored: Stored) -> str:
    """The Chinese text of facts without moments, formatted straight from the message ids
    (no catalog lookup: the matching core writes one per proposal)."""
    if not stored:
        return ""
    if isinstance(stored, list):
        return "；".join([_source_one(item) for item in stored])
    return _source_one(stored)


def _source_one(stored: dict) -> str:
    params = stored.get("p")
    if not params:
        return stored["t"]
    if any(isinstance(value, dict) for value in params.values()):
        params = {k: _source_one(v) if isinstance(v, dict) else v for k, v in params.items()}
    return stored["t"] % params


def in_source_language(stored: Stored) -> str:
    """The Chinese text kept beside the facts."""
    return in_language(stored, settings.LANGUAGE_CODE)


def in_language(stored: Stored, language: str) -> str:
    """The sentence in `language`: SMS and e-mail go out in their recipient's."""
    with translation.override(language):
        return render(stored)


@contextmanager
def in_language_writer(language: str) -> Iterator[Callable[..., str]]:
    """`write(msgid, **params)`: the sentence `in_language(text(msgid, **params), language)`
    writes, for many sentences at once (a batch of reminders), without building their
    facts: the language is switched once, and each message id is translated and each moment
    formatted once however many sentences share it; per sentence only the % formatting is
    left, which is what a batch of thousands of SMS spent its time on (issue 20)."""
    with translation.override(language):
        yield _Batch().write


class _Batch:
    """`render` of `text`, with the catalog lookups and moment formats of one language
    remembered."""

    def __init__(self):
        self.messages: dict[str, str] = {}
        # Formatted moments, by the datetime given (write) or its stored form (render).
        self.moments: dict[str | datetime.datetime, str] = {}
        self.moment_format = _MomentFormat(gettext("n月j日 H:i"))
        self.timezone = timezone.get_current_timezone()

    def render(self, stored: Stored) -> str:
        """A nested sentence (a parameter that is one)."""
        if not stored or isinstance(stored, list):
            return render(stored)
        params = {name: self._param(value) for name, value in stored.get("p", {}).items()}
        return self._fill(stored["t"], params)

    def write(self, msgid: str, **params) -> str:
        """`render(text(msgid, **params))`."""
        return self._fill(msgid, {name: self._raw(value) for name, value in params.items()})

    def _fill(self, msgid: str, params: dict) -> str:
        message = self.messages.get(msgid)
        if message is None:
            message = self.messages[msgid] = gettext(msgid)
        try:
            return message % params if params else message
        except (KeyError, TypeError, ValueError):
            return msgid

    def _param(self, value):
        if isinstance(value, dict) and "dt" in value:
            text = self.moments.get(value["dt"])
            if text is None:
                when = parse_datetime(value["dt"])
                text = self.moments[value["dt"]] = self._moment(when)
            return text
        if isinstance(value, dict) and "t" in value:
            return self.render(value)
        return value

    def _raw(self, value):
        """A parameter as given to `text`, written as `render` writes its stored form."""
        if type(value) is str:  # names, the most of a batch's parameters: kept as they are
            return value
        if isinstance(value, datetime.datetime):
            text = self.moments.get(value)
            if text is None:
                text = self.moments[value] = self._moment(value)
            return text
        return self._param(_param(value))

    def _moment(self, when: datetime.datetime) -> str:
        return self.moment_format.write(timezone.localtime(when, self.timezone))


class _MomentFormat:
    """`formats.date_format(when, format_string)` for many moments: Django's DateFormat
    splits the format string with a regular expression for every moment it formats (most
    of the time a batch of reminders spent on its texts); here it is split once."""

    def __init__(self, format_string: str):
        pieces = dateformat.re_formatchars.split(format_string)
        # As DateFormat.format reads them: odd pieces name a format method, even ones are
        # literal text with backslash escapes.
        self.pieces = [
            (piece, True) if at % 2 else (dateformat.re_escaped.sub(r"\1", piece), False)
            for at, piece in enumerate(pieces)
            if piece
        ]

    def write(self, when: datetime.datetime) -> str:
        moment = dateformat.DateFormat(when)
        return "".join(
            str(getattr(moment, piece)()) if is_format else piece
            for piece, is_format in self.pieces
        )
