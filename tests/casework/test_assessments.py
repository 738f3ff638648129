import pytest
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError

from casework import domain
from casework.models import Assessment
from communities.admin import ResidentAdmin
from communities.forms_privacy import CorrectionForm
from communities.models import Resident
from communities.privacy import resident_correct
from sanlian.models import AuditEntry
from tests.casework.conftest import answers_for_total


def _signed(resident, worker_user, spec, total, adjustments=()):
    assessment = domain.assessment_start(resident=resident, assessor=worker_user)
    domain.assessment_save(
        assessment=assessment,
        actor=worker_user,
        answers=answers_for_total(spec, total),
        adjustments=list(adjustments),
    )
    return domain.assessment_sign(assessment=assessment, actor=worker_user)


def test_assessment_partial_saves_merge_and_sign_sets_care_level(cast, sw, spec):
    answers = answers_for_total(spec, 50)
    first_half = dict(list(answers.items())[:13])
    assessment = domain.assessment_start(resident=cast.resident, assessor=sw.sue.user)
    domain.assessment_save(
        assessment=assessment, actor=sw.sue.user, answers=first_half, adjustments=[]
    )
    with pytest.raises(ValidationError):
        domain.assessment_sign(assessment=assessment, actor=sw.sue.user)
    assessment.refresh_from_db()
    assert assessment.status == Assessment.Status.DRAFT and len(assessment.answers) == 13

    domain.assessment_save(
        assessment=assessment, actor=sw.sue.user, answers=answers, adjustments=[]
    )
    signed = domain.assessment_sign(assessment=assessment, actor=sw.sue.user)

    cast.resident.refresh_from_db()
    assert (signed.status, signed.total, signed.level_rank) == ("signed", 50, 2)
    assert signed.signed_by == sw.sue.user and signed.effective_at is not None
    assert cast.resident.care_level == Resident.CareLevel.SEMI_DEPENDENT
    history = AuditEntry.objects.get(
        object_type="communities.resident", object_id=str(cast.resident.pk)
    )
    assert history.actor == sw.sue.user
    assert history.changes == {"care_level": ["self_reliant", "semi_dependent"]}
    assert "能力中度受损" in history.reason


def test_assessment_start_resumes_the_open_draft(cast, sw):
    first = domain.assessment_start(resident=cast.resident, assessor=sw.sue.user)
    again = domain.assessment_start(resident=cast.resident, assessor=sw.sue.user)
    assert first.pk == again.pk and Assessment.objects.count() == 1


def test_assessment_jump_of_two_levels_waits_for_a_second_assessor(cast, sw, spec):
    _signed(cast.resident, sw.sue.user, spec, 90)
    jump = _signed(cast.resident, sw.sue.user, spec, 40)  # rank 0 -> 3
    cast.resident.refresh_from_db()
    assert jump.status == Assessment.Status.AWAITING_SECOND and jump.previous_rank == 0
    assert cast.resident.care_level == Resident.CareLevel.SELF_RELIANT

    with pytest.raises(PermissionDenied):  # the first assessor cannot confirm themselves
        domain.assessment_second_sign(assessment=jump, actor=sw.sue.user)
    with pytest.raises(PermissionDenied):  # nor a social worker of another community
        domain.assessment_second_sign(assessment=jump, actor=sw.sam.user)
    domain.assessment_second_sign(assessment=jump, actor=sw.ann.user)

    jump.refresh_from_db()
    cast.resident.refresh_from_db()
    assert jump.status == "signed" and jump.second_signed_by == sw.ann.user
    assert cast.resident.care_level == Resident.CareLevel.DEPENDENT


def test_assessment_one_level_change_needs_no_second(cast, sw, spec):
    _signed(cast.resident, sw.sue.user, spec, 90)
    assert _signed(cast.resident, sw.sue.user, spec, 70).status == "signed"


@pytest.mark.parametrize("who", ["sam", "community_staff", "member", "family"])
def test_assessment_refused_outside_scope_changes_nothing(cast, sw, who):
    user = getattr(sw, who).user if who == "sam" else getattr(cast, who)
    with pytest.raises(PermissionDenied):
        domain.assessment_start(resident=cast.resident, assessor=user)
    assert Assessment.objects.count() == 0


def test_assessment_other_assessor_cannot_edit_or_sign_a_draft(cast, sw, spec):
    draft = domain.assessment_start(resident=cast.resident, assessor=sw.sue.user)
    with pytest.raises(PermissionDenied):
        domain.assessment_save(
            assessment=draft, actor=sw.ann.user, answers=answers_for_total(spec, 90), adjustments=[]
        )
    draft.refresh_from_db()
    assert draft.answers == {}


def test_assessment_invalid_answer_is_refused(cast, sw):
    draft = domain.assessment_start(resident=cast.resident, assessor=sw.sue.user)
    with pytest.raises(ValidationError):
        domain.assessment_save(
            assessment=draft, actor=sw.sue.user, answers={"B.1.1": "7"}, adjustments=[]
        )
    draft.refresh_from_db()
    assert draft.answers == {}


def test_assessed_care_level_is_read_only_by_hand(cast, sw, spec, rf):
    resident_admin = ResidentAdmin(Resident, admin.site)
    assert not CorrectionForm(instance=cast.resident).fields["care_level"].disabled
    assert "care_level" not in resident_admin.get_readonly_fields(rf.get("/"), cast.resident)
    _signed(cast.resident, sw.sue.user, spec, 20)
    cast.resident.refresh_from_db()
    assert CorrectionForm(instance=cast.resident).fields["care_level"].disabled
    assert "care_level" in resident_admin.get_readonly_fields(rf.get("/"), cast.resident)
    with pytest.raises(ValidationError):
        resident_correct(
            actor=cast.community_staff,
            resident=cast.resident,
            reason="电话更正",
            care_level="self_reliant",
        )
    cast.resident.refresh_from_db()
    assert cast.resident.care_level == Resident.CareLevel.DEPENDENT
