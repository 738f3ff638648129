import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from projects import domain
from projects.models import Contract, Milestone, Payment, PaymentRequest
from tests import factories as f
from tests.projects._support import awarded_contract, days, verified_visit


@pytest.fixture
def contract(cast):
    bathing = f.ServiceTypeFactory(code="bathing", name="助浴")
    contract = awarded_contract(cast, service_type=bathing)
    for _ in range(3):
        verified_visit(
            organization=cast.organization, community=cast.community, service_type=bathing
        )
    return contract


def _milestone(cast, contract, amount=100_000, visits=2):
    return domain.milestone_add(
        contract=contract,
        actor=cast.civil,
        title="中期",
        due_on=days(10),
        amount_fen=amount,
        visits_required=visits,
    )


def test_contract_sign_copies_budget_targets_and_communities(contract, cast):
    assert contract.budget_fen == 300_000
    assert list(contract.communities.all()) == [cast.community]
    assert contract.targets.get().quantity == 10


def test_payment_request_then_approval_pays_append_only(contract, cast):
    milestone = _milestone(cast, contract)
    request = domain.payment_request_submit(
        milestone=milestone, actor=cast.member, amount_fen=100_000
    )
    assert request.verified_visits == 3
    payment = domain.payment_request_approve(payment_request=request, actor=cast.civil)
    contract.refresh_from_db()
    assert contract.paid_fen == 100_000 == payment.amount_fen
    assert PaymentRequest.objects.get().status == "approved"
    with pytest.raises(ValidationError, match="已处理"):
        domain.payment_request_approve(payment_request=request, actor=cast.civil)
    assert Payment.objects.count() == 1


def test_payment_request_without_enough_verified_output_refused(contract, cast):
    milestone = _milestone(cast, contract, visits=4)
    with pytest.raises(ValidationError, match="核验的服务人次为 3"):
        domain.payment_request_submit(milestone=milestone, actor=cast.member, amount_fen=1000)
    assert not PaymentRequest.objects.exists()


def test_milestones_over_the_contract_refused(contract, cast):
    _milestone(cast, contract, amount=200_000)
    with pytest.raises(ValidationError, match=r"不能超过合同金额 3000\.00 元"):
        _milestone(cast, contract, amount=100_001)
    assert Milestone.objects.count() == 1


def test_payment_request_over_the_milestone_refused(contract, cast):
    milestone = _milestone(cast, contract, amount=100_000)
    domain.payment_request_submit(milestone=milestone, actor=cast.member, amount_fen=60_000)
    with pytest.raises(ValidationError, match=r"不超过该节点未申请的 400\.00 元"):
        domain.payment_request_submit(milestone=milestone, actor=cast.member, amount_fen=40_001)
    assert PaymentRequest.objects.count() == 1


def test_paying_more_than_the_contract_refused_by_the_database(contract):
    with pytest.raises(IntegrityError), transaction.atomic():
        Contract.objects.filter(pk=contract.pk).update(paid_fen=contract.budget_fen + 1)


def test_paying_more_than_the_contract_refused_with_a_message(contract, cast):
    milestone = _milestone(cast, contract, amount=100_000)
    request = domain.payment_request_submit(
        milestone=milestone, actor=cast.member, amount_fen=100_000
    )
    Contract.objects.filter(pk=contract.pk).update(paid_fen=250_000)  # paid elsewhere meanwhile
    with pytest.raises(ValidationError, match=r"超过合同金额 3000\.00 元"):
        domain.payment_request_approve(payment_request=request, actor=cast.civil)
    assert not Payment.objects.exists()
    assert Contract.objects.get(pk=contract.pk).paid_fen == 250_000


def test_suspended_contract_takes_no_requests_or_payments(contract, cast):
    milestone = _milestone(cast, contract)
    request = domain.payment_request_submit(milestone=milestone, actor=cast.member, amount_fen=1000)
    domain.contract_suspend(contract=contract, actor=cast.civil, reason="服务质量问题")
    # The member may ask in general; the refusal names the state, not the person.
    with pytest.raises(ValidationError, match="不在执行中"):
        domain.payment_request_submit(milestone=milestone, actor=cast.member, amount_fen=1000)
    with pytest.raises(ValidationError, match="不在执行中"):
        domain.payment_request_approve(payment_request=request, actor=cast.civil)
    assert PaymentRequest.objects.count() == 1
    assert not Payment.objects.exists()
    domain.contract_resume(contract=contract, actor=cast.civil, reason="已整改")
    domain.payment_request_approve(payment_request=request, actor=cast.civil)
    assert Payment.objects.count() == 1


def test_payment_by_the_wrong_people_refused(contract, cast):
    milestone = _milestone(cast, contract)
    with pytest.raises(PermissionDenied):
        domain.payment_request_submit(milestone=milestone, actor=cast.other_member, amount_fen=1000)
    request = domain.payment_request_submit(milestone=milestone, actor=cast.member, amount_fen=1000)
    for outsider in (cast.member, cast.other_street_staff, cast.community_staff):
        with pytest.raises(PermissionDenied):
            domain.payment_request_approve(payment_request=request, actor=outsider)
    assert not Payment.objects.exists()


def test_contract_complete_records_the_evaluation_and_stops_requests(contract, cast):
    milestone = _milestone(cast, contract)
    request = domain.payment_request_submit(milestone=milestone, actor=cast.member, amount_fen=1000)
    with pytest.raises(ValidationError, match="待审核的付款申请"):
        domain.contract_complete(contract=contract, actor=cast.civil, evaluation="达标")
    domain.payment_request_approve(payment_request=request, actor=cast.civil)
    with pytest.raises(ValidationError, match="请说明原因"):
        domain.contract_complete(contract=contract, actor=cast.civil, evaluation=" ")
    domain.contract_complete(
        contract=contract, actor=cast.civil, evaluation="服务量达标，满意度4.6"
    )
    contract.refresh_from_db()
    assert (contract.status, contract.status_reason) == ("completed", "服务量达标，满意度4.6")
    with pytest.raises(ValidationError, match="不在执行中"):
        domain.payment_request_submit(milestone=milestone, actor=cast.member, amount_fen=1000)
