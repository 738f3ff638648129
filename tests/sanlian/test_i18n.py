import gettext
import re
from pathlib import Path

from django.conf import settings
from django.urls import reverse
from django.utils import translation

from sanlian.roles import Role
from tests import factories as f

CATALOG = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES"


def _switch(client, language: str, next_url: str = "/"):
    return client.post(reverse("set_language"), {"language": language, "next": next_url})


def test_login_page_is_chinese_by_default(client, db):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="zh-Hans">' in html
    assert "登录三社联动服务平台" in html
    assert "Log in" not in html


def test_language_switch_turns_the_page_english_and_back(client, db):
    client.force_login(f.UserFactory(role=Role.CIVIL_AFFAIRS))
    response = _switch(client, "en")
    assert response.status_code == 302 and response["Location"] == "/"
    html = client.get(reverse("home")).content.decode()
    assert '<html lang="en">' in html
    assert "Civil Affairs Bureau dashboard" in html
    assert "民政局工作台" not in html

    _switch(client, "zh-hans")
    html = client.get(reverse("home")).content.decode()
    assert "民政局工作台" in html
    assert "Civil Affairs Bureau dashboard" not in html


def test_language_switch_works_before_login(client, db):
    _switch(client, "en", next_url=reverse("login"))
    html = client.get(reverse("login")).content.decode()
    assert "Log in to the Sanlian service portal" in html


def test_language_switch_ignores_unknown_language(client, db):
    _switch(client, "fr")
    assert "登录三社联动服务平台" in client.get(reverse("login")).content.decode()


def test_language_switcher_offers_both_languages_with_csrf(client, db):
    html = client.get(reverse("login")).content.decode()
    assert f'action="{reverse("set_language")}"' in html
    assert 'name="language" value="zh-hans"' in html
    assert 'name="language" value="en"' in html
    assert "简体中文" in html and "English" in html
    assert "csrfmiddlewaretoken" in html


def test_english_catalog_is_complete_and_compiled():
    """Every entry of the .po has an English text, and the committed .mo matches it."""
    entries = _po_entries(CATALOG / "django.po")
    assert len(entries) > 100
    untranslated = [msgid for msgid, msgstr, fuzzy in entries if not msgstr or fuzzy]
    assert untranslated == []
    with (CATALOG / "django.mo").open("rb") as mo_file:
        compiled = gettext.GNUTranslations(mo_file)
    stale = [msgid for msgid, msgstr, _ in entries if compiled.gettext(msgid) != msgstr]
    assert stale == []


def test_english_translation_is_used_at_runtime():
    with translation.override("en"):
        assert translation.gettext("三社联动服务平台") == "Sanlian Community Service Portal"
        assert translation.ngettext("%(n)s 条评价", "%(n)s 条评价", 2) == "%(n)s ratings"


def _po_entries(path: Path) -> list[tuple[str, str, bool]]:
    """(msgid, msgstr, fuzzy) of the plain entries of a .po file (no context, no plural)."""
    entries = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        lines = [line for line in block.splitlines() if line and not line.startswith("#~")]
        if any(line.startswith(("msgctxt", "msgid_plural")) for line in lines):
            continue
        fields = _po_fields(lines)
        if fields.get("msgid"):
            fuzzy = any(line.startswith("#,") and "fuzzy" in line for line in lines)
            entries.append((fields["msgid"], fields.get("msgstr", ""), fuzzy))
    return entries


def _po_fields(lines: list[str]) -> dict[str, str]:
    fields: dict[str, str] = {}
    current = None
    for line in lines:
        if line.startswith("#"):
            continue
        if line.startswith('"'):
            fields[current] += _unquote(line)
        else:
            current, _, rest = line.partition(" ")
            fields[current] = _unquote(rest)
    return fields


_ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}


def _unquote(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(0)), text.strip()[1:-1])


def test_browser_language_alone_does_not_switch_to_english(client, db):
    page = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert "登录三社联动服务平台" in page.content.decode()
    assert page["Content-Language"] == "zh-hans"
