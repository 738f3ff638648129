"""Refused actions say why (casework/rules.py, `*_refusal`): the wrong person gets a 403 that
names the reason, the wrong state a message or a form error; nothing changes."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from casework import domain, rules
from casework.models import Callback, Case
from services.models import Visit
from tests import factories as f
from tests.casework.conftest import answers_for_total


@pytest.fixture
def signed(cast, sw, spec):
    assessment = domain.assessment_start(resident=cast.resident, assessor=sw.sue.user)
    domain.assessment_save(
        assessment=assessment,
        actor=sw.sue.user,
        answers=answers_for_total(spec, 90),
        adjustments=[],
    )
    return domain.assessment_sign(assessment=assessment, actor=sw.sue.user)


def test_refusals_name_the_person_or_the_state(cast, sw, signed):
    wrong_person = rules.edit_assessment_refusal(sw.ann.user, signed)
    wrong_state = rules.edit_assessment_refusal(sw.sue.user, signed)
    assert type(wrong_person).__name__ == "PermissionDenied" and "评估员" in str(wrong_person)
    assert type(wrong_state).__name__ == "ValidationError" and "已经签字" in wrong_state.messages[0]
    outsider = rules.assess_refusal(sw.sam.user, cast.resident)
    assert "不在您服务的社区" in str(outsider)
    assert "只有社工" in str(rules.assess_refusal(cast.community_staff, cast.resident))
    assert rules.may_assess(sw.sue.user, cast.resident) and not rules.may_assess(
        sw.sam.user, cast.resident
    )


def test_signed_assessment_post_tells_the_assessor_why(client, cast, sw, signed, spec):
    client.force_login(sw.sue.user)
    url = reverse("casework:assessment", args=[signed.pk])
    data = {f"item_{c}": o for c, o in answers_for_total(spec, 20).items()}
    page = client.post(url, data, follow=True)
    assert "这份评估已经签字，不能再修改" in page.content.decode()
    signed.refresh_from_db()
    assert signed.total == 90 and signed.status == "signed"


def test_wrong_assessor_gets_403_with_the_reason(client, cast, sw, spec):
    draft = domain.assessment_start(resident=cast.resident, assessor=sw.sue.user)
    client.force_login(sw.ann.user)
    response = client.post(reverse("casework:assessment", args=[draft.pk]), {"item_B.1.1": "2"})
    assert response.status_code == 403
    assert "只有这份评估的评估员可以填写和签字" in response.content.decode()
    draft.refresh_from_db()
    assert draft.answers == {}


def test_second_sign_of_a_settled_assessment_says_why(client, cast, sw, signed):
    client.force_login(sw.ann.user)
    page = client.post(reverse("casework:assessment_second_sign", args=[signed.pk]), follow=True)
    assert page.status_code == 200 and "无需复核签字" in page.content.decode()
    signed.refresh_from_db()
    assert signed.second_signed_by is None


def test_note_on_a_closed_case_says_it_is_closed(client, cast, sw):
    case = domain.case_open(
        resident=cast.resident, actor=sw.sue.user, source="referral", presenting_need="独居"
    )
    domain.case_close(case=case, actor=sw.sue.user, outcome=Case.Outcome.GOALS_MET)
    client.force_login(sw.sue.user)
    url = reverse("casework:case_notes", args=[case.pk])
    page = client.post(url, {"text": "再记一条"}, follow=True)
    assert page.status_code == 200 and "这个个案已经结案" in page.content.decode()
    assert case.notes.count() == 0


def test_recorded_callback_and_follow_up_of_a_confirmed_visit_say_why(client, cast, sw):
    visit = f.VisitFactory(
        request=f.ServiceRequestFactory(resident=cast.resident),
        status=Visit.Status.COMPLETED,
    )
    callback = Callback.objects.create(
        visit=visit,
        social_worker=sw.sue,
        week_start=timezone.localdate() - datetime.timedelta(days=7),
        status=Callback.Status.DONE,
        happened_as_logged=True,
        quality_score=5,
        done_at=timezone.now(),
    )
    client.force_login(sw.sue.user)
    again = client.post(
        reverse("casework:callback", args=[callback.pk]),
        {"reached": "1", "happened_as_logged": "0", "quality_score": "1"},
    )
    assert again.status_code == 200 and "这次回访已经记录过了" in again.content.decode()
    follow = client.get(reverse("casework:callback_follow_up", args=[callback.pk]), follow=True)
    assert "只有核实服务未按记录发生的回访才需要后续处理" in follow.content.decode()
    callback.refresh_from_db()
    assert callback.happened_as_logged is True and callback.case_id is None
