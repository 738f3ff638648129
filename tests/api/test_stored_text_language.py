"""Sentences the portal stores as facts (match reasons) are written in the API caller's
language: Accept-Language, else the user's own (issue 21, item 16)."""

import pytest
from rest_framework.test import APIClient

from sanlian.stored_text import source, text
from tests import factories as f

FACTS = [text("同社区"), text("独居"), {"t": "已等待%(days)s天", "p": {"days": 6}}]


@pytest.mark.django_db
def test_match_reason_in_the_callers_language(cast):
    match = f.MatchFactory(
        request=f.ServiceRequestFactory(resident=cast.resident),
        reason=source(FACTS),
        reason_facts=FACTS,
    )
    client = APIClient()
    client.force_authenticate(cast.civil)

    def reason(**headers) -> str:
        return client.get(f"/api/v1/matches/{match.pk}/", **headers).json()["reason"]

    assert reason(HTTP_ACCEPT_LANGUAGE="zh-CN") == reason() == "同社区；独居；已等待6天"
    english = reason(HTTP_ACCEPT_LANGUAGE="en")
    assert english.startswith("same community") and "6" in english
    assert not any("\u4e00" <= char <= "\u9fff" for char in english), english
    cast.civil.language = "en"
    cast.civil.save(update_fields=["language"])
    assert reason() == english
    # A match written before the facts were kept shows its stored text in any language.
    match.reason_facts = None
    match.save(update_fields=["reason_facts"])
    assert reason(HTTP_ACCEPT_LANGUAGE="en") == "同社区；独居；已等待6天"
