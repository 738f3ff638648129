import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from projects import domain
from projects.models import Application, ProjectCall, Review, Score
from projects.rules import may_review, may_see_scores
from sanlian.roles import Role
from tests import factories as f
from tests.projects._support import apply, close, full_scores, publish, reviewer


@pytest.fixture
def panel(cast):
    call = publish(cast)
    ours = apply(cast, call, lines=[("人员经费", 400_000)])
    theirs = apply(
        cast,
        call,
        organization=cast.other_organization,
        member=cast.other_member,
        lines=[("人员经费", 500_000)],
    )
    expert, expert2 = reviewer("expert"), reviewer("expert2", Role.CIVIL_AFFAIRS)
    for person in (expert, expert2):
        domain.call_add_reviewer(call=call, reviewer=person, actor=cast.civil)
    return call, ours, theirs, expert, expert2


def test_review_submit_scores_each_criterion_independently(panel):
    call, ours, _theirs, expert, expert2 = panel
    domain.review_submit(application=ours, reviewer=expert, scores=full_scores(call, 20))
    domain.review_submit(application=ours, reviewer=expert2, scores=full_scores(call, 30))
    assert sorted(ours.reviews.values_list("total", flat=True)) == [60, 90]
    assert Score.objects.filter(review__application=ours).count() == 6
    assert not may_review(expert, ours)  # once only


def test_review_after_declaring_conflict_refused_and_nothing_saved(panel, cast):
    call, ours, theirs, expert, _ = panel
    domain.conflict_declare(
        call=call, reviewer=expert, organization=cast.organization, reason="曾任理事"
    )
    assert not may_review(expert, ours)
    with pytest.raises(ValidationError, match="利益关系"):
        domain.review_submit(application=ours, reviewer=expert, scores=full_scores(call))
    assert not Review.objects.exists()
    domain.review_submit(application=theirs, reviewer=expert, scores=full_scores(call))
    assert Review.objects.count() == 1


def test_review_of_own_organization_refused(panel, cast):
    call, ours, _theirs, _, _ = panel
    hub_expert = f.OrganizationMemberFactory(
        user=f.UserFactory(username="hub", role=Role.ORGANIZATION), organization=cast.organization
    ).user
    domain.call_add_reviewer(call=call, reviewer=hub_expert, actor=cast.civil)
    with pytest.raises(ValidationError, match="利益关系"):
        domain.review_submit(application=ours, reviewer=hub_expert, scores=full_scores(call))
    assert not Review.objects.exists()


def test_review_points_over_the_maximum_refused(panel):
    call, ours, _theirs, expert, _ = panel
    with pytest.raises(ValidationError, match="0 到 40"):
        domain.review_submit(application=ours, reviewer=expert, scores=full_scores(call, 41))
    assert not Review.objects.exists()


def test_review_by_someone_not_on_the_panel_refused(panel, cast):
    call, ours, *_ = panel
    with pytest.raises(PermissionDenied):
        domain.review_submit(application=ours, reviewer=cast.street_staff, scores=full_scores(call))


def test_call_decide_ranks_by_mean_and_records_reasons(panel, cast):
    call, ours, theirs, expert, expert2 = panel
    domain.review_submit(application=ours, reviewer=expert, scores=full_scores(call, 20))
    domain.review_submit(application=theirs, reviewer=expert, scores=full_scores(call, 25))
    domain.review_submit(application=theirs, reviewer=expert2, scores=full_scores(call, 30))
    close(call)
    assert not may_see_scores(cast.member, ours)
    domain.call_decide(
        call=call,
        actor=cast.civil,
        awarded_ids={theirs.pk},
        reasons={ours.pk: "方案不够具体", theirs.pk: "得分最高"},
    )
    ours.refresh_from_db()
    theirs.refresh_from_db()
    assert (theirs.rank, theirs.status, str(theirs.mean_score)) == (1, "awarded", "82.50")
    assert (ours.rank, ours.status, ours.decision_reason) == (2, "not_awarded", "方案不够具体")
    assert ProjectCall.objects.get(pk=call.pk).status == "decided"
    assert may_see_scores(cast.member, ours)
    assert not may_see_scores(cast.member, theirs)


def test_call_decide_before_closing_or_without_reasons_refused(panel, cast):
    call, ours, *_ = panel
    with pytest.raises(ValidationError, match="申报截止后才能评定"):
        domain.call_decide(call=call, actor=cast.civil, awarded_ids={ours.pk}, reasons={})
    with pytest.raises(PermissionDenied):
        domain.call_decide(call=call, actor=cast.member, awarded_ids={ours.pk}, reasons={})
    close(call)
    with pytest.raises(ValidationError, match="评定理由"):
        domain.call_decide(
            call=call, actor=cast.civil, awarded_ids={ours.pk}, reasons={ours.pk: "好"}
        )
    assert not Application.objects.exclude(status="submitted").exists()


def test_call_decide_awards_over_the_ceiling_refused(panel, cast):
    call, ours, theirs, *_ = panel
    ProjectCall.objects.filter(pk=call.pk).update(budget_ceiling_fen=600_000)
    close(call)
    with pytest.raises(ValidationError, match="超过了项目上限"):
        domain.call_decide(
            call=call,
            actor=cast.civil,
            awarded_ids={ours.pk, theirs.pk},
            reasons={ours.pk: "好", theirs.pk: "好"},
        )
    assert ProjectCall.objects.get(pk=call.pk).status == "open"
    assert not Application.objects.exclude(status="submitted").exists()


def test_call_decide_by_other_street_refused(cast):
    call = publish(cast, actor=cast.street_staff, street=cast.east_street)
    close(call)
    with pytest.raises(PermissionDenied):
        domain.call_decide(call=call, actor=cast.other_street_staff, awarded_ids=set(), reasons={})
