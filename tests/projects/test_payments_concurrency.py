"""Two staff approving at the same moment never pay more than the contract (PostgreSQL)."""

import threading

from django.core.exceptions import ValidationError
from django.db import connections

from projects import domain
from projects.models import Contract, Payment
from tests import factories as f
from tests.projects._support import awarded_contract, days, verified_visit
from tests.services._races import RACES_ON_POSTGRESQL

pytestmark = RACES_ON_POSTGRESQL


def _all_at_once(calls) -> list[str]:
    start = threading.Barrier(len(calls), timeout=20)
    outcomes: list[str] = []

    def run(call):
        try:
            start.wait()
            outcomes.append(call())
        except ValidationError:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def test_payment_approvals_at_once_never_exceed_the_contract(cast):
    bathing = f.ServiceTypeFactory(code="bathing", name="助浴")
    contract = awarded_contract(cast, service_type=bathing)
    verified_visit(organization=cast.organization, community=cast.community, service_type=bathing)
    first = domain.milestone_add(
        contract=contract, actor=cast.civil, title="一期", due_on=days(1), amount_fen=200_000
    )
    second = domain.milestone_add(
        contract=contract, actor=cast.civil, title="二期", due_on=days(2), amount_fen=100_000
    )
    requests = [
        domain.payment_request_submit(milestone=first, actor=cast.member, amount_fen=200_000),
        domain.payment_request_submit(milestone=second, actor=cast.member, amount_fen=100_000),
    ]
    # Someone else paid 150,000 fen meanwhile: only one of the two may still go through.
    Contract.objects.filter(pk=contract.pk).update(paid_fen=150_000)
    staff = [cast.civil, cast.civil]
    outcomes = _all_at_once(
        [
            lambda r=r, s=s: domain.payment_request_approve(payment_request=r, actor=s).amount_fen
            for r, s in zip(requests, staff, strict=True)
        ]
    )
    contract.refresh_from_db()
    assert outcomes.count("refused") >= 1
    assert contract.paid_fen <= contract.budget_fen
    assert contract.paid_fen == 150_000 + sum(Payment.objects.values_list("amount_fen", flat=True))


def test_same_request_approved_at_once_pays_once(cast):
    bathing = f.ServiceTypeFactory(code="bathing", name="助浴")
    contract = awarded_contract(cast, service_type=bathing)
    milestone = domain.milestone_add(
        contract=contract, actor=cast.civil, title="一期", due_on=days(1), amount_fen=100_000
    )
    request = domain.payment_request_submit(
        milestone=milestone, actor=cast.member, amount_fen=100_000
    )
    outcomes = _all_at_once(
        [
            lambda: (
                domain.payment_request_approve(payment_request=request, actor=cast.civil).amount_fen
            )
        ]
        * 4
    )
    assert sorted(outcomes, key=str) == [100_000] + ["refused"] * 3
    assert Payment.objects.count() == 1
    assert Contract.objects.get(pk=contract.pk).paid_fen == 100_000
