"""Suggestions (建言献策): residents and entered organizations post; staff answer and close."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from activities.domain.suggestions import suggestion_answer, suggestion_close, suggestion_post
from activities.models import Suggestion
from activities.queries import suggestions_visible_to


def test_resident_posts_staff_answer_and_close(cast):
    suggestion = suggestion_post(
        actor=cast.resident.user, community=cast.community, title="增加象棋课", body="每周两次"
    )
    with pytest.raises(ValidationError, match="先答复"):
        suggestion_close(actor=cast.community_staff, suggestion=suggestion)
    with pytest.raises(ValidationError, match="答复内容"):
        suggestion_answer(actor=cast.community_staff, suggestion=suggestion, answer=" ")
    suggestion_answer(actor=cast.community_staff, suggestion=suggestion, answer="下月起增加")
    suggestion_close(actor=cast.community_staff, suggestion=suggestion)
    suggestion.refresh_from_db()
    assert (suggestion.status, suggestion.answer) == (Suggestion.Status.DONE, "下月起增加")


def test_organization_posts_only_where_it_entered(cast):
    mine = suggestion_post(
        actor=cast.member, community=cast.community, title="活动室开放时间", body="延长"
    )
    assert mine.organization == cast.organization
    with pytest.raises(PermissionDenied):
        suggestion_post(actor=cast.member, community=cast.other_community, title="x", body="y")
    with pytest.raises(PermissionDenied):
        suggestion_post(
            actor=cast.resident.user, community=cast.other_community, title="x", body="y"
        )
    assert Suggestion.objects.count() == 1


def test_other_street_can_neither_see_nor_answer(cast):
    suggestion = suggestion_post(
        actor=cast.family, community=cast.community, title="路灯", body="坏了"
    )
    assert not suggestions_visible_to(cast.other_street_staff).exists()
    assert not suggestions_visible_to(cast.other_member).exists()
    assert list(suggestions_visible_to(cast.street_staff)) == [suggestion]
    with pytest.raises(PermissionDenied):
        suggestion_answer(actor=cast.other_street_staff, suggestion=suggestion, answer="好")
    with pytest.raises(ValidationError):
        suggestion_post(actor=cast.family, community=cast.community, title="", body="")
    assert Suggestion.objects.get().status == Suggestion.Status.OPEN
