import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from organizations.models import Category, Organization
from projects import domain
from projects.models import Application, BudgetLine
from projects.rules import may_apply
from tests import factories as f
from tests.projects._support import CEILING, apply, close, publish


def test_application_submit_records_lines_total_and_team(cast):
    call = publish(cast)
    worker = f.SocialWorkerFactory(organization=cast.organization)
    team = f.VolunteerTeamFactory(leader=worker, community=cast.community)
    application = apply(cast, call, lines=[("人员经费", 200_000), ("物料", 50_000)])
    application.social_workers.set([worker])
    application.volunteer_teams.set([team])
    assert application.requested_fen == 250_000
    assert list(application.budget_lines.values_list("amount_fen", flat=True)) == [200_000, 50_000]


def test_application_budget_over_ceiling_refused_and_nothing_saved(cast):
    call = publish(cast)
    with pytest.raises(ValidationError) as error:
        apply(cast, call, lines=[("人员经费", CEILING), ("物料", 1)])
    assert "超过了项目上限 10000.00 元" in str(error.value)
    assert not Application.objects.exists()
    assert not BudgetLine.objects.exists()


def test_application_team_of_another_organization_refused(cast):
    call = publish(cast)
    stranger = f.SocialWorkerFactory(organization=cast.other_organization)
    with pytest.raises(ValidationError) as error:
        domain.application_submit(
            call=call,
            organization=cast.organization,
            actor=cast.member,
            plan="计划",
            budget_lines=[("人员经费", 1000)],
            social_workers=[stranger],
        )
    assert "本组织的社工" in str(error.value)
    assert not Application.objects.exists()


def test_application_category_not_allowed_refused(cast):
    call = publish(cast, categories=[Category.CULTURE_SPORTS])
    with pytest.raises(ValidationError, match="不接受该类别"):
        apply(cast, call)
    assert not may_apply(cast.member, call, cast.organization)


def test_application_unapproved_organization_refused(cast):
    call = publish(cast)
    Organization.objects.filter(pk=cast.organization.pk).update(status="submitted")
    cast.organization.refresh_from_db()
    with pytest.raises(ValidationError, match="审核通过"):
        apply(cast, call)


def test_application_after_closing_or_twice_refused(cast):
    call = publish(cast)
    apply(cast, call)
    with pytest.raises(ValidationError, match="已经申报过"):
        apply(cast, call)
    close(call)
    with pytest.raises(ValidationError, match="不在申报期内"):
        apply(cast, call, organization=cast.other_organization, member=cast.other_member)
    assert Application.objects.count() == 1


def test_application_for_another_organization_refused(cast):
    call = publish(cast)
    with pytest.raises(PermissionDenied):
        apply(cast, call, organization=cast.other_organization, member=cast.member)
    assert not Application.objects.exists()


def test_call_page_says_why_an_organization_may_not_apply_and_the_form_sends_it_back(client, cast):
    call = publish(cast, categories=[Category.CULTURE_SPORTS])
    client.force_login(cast.member)
    page = client.get(f"/projects/calls/{call.pk}/").content.decode()
    assert "不能申报：本项目不接受该类别的社会组织申报。" in page
    assert f"/projects/calls/{call.pk}/apply/" not in page
    # Going to the form anyway is a refusal of state: back to the call with the reason,
    # not a bare 403, and nothing is saved.
    response = client.post(
        f"/projects/calls/{call.pk}/apply/",
        {"plan": "计划", "budget_lines": "人员：3000"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == f"/projects/calls/{call.pk}/"
    assert "本项目不接受该类别的社会组织申报。" in response.content.decode()
    assert not Application.objects.exists()
    # A member of no organization is the wrong person: 403.
    client.force_login(cast.civil)
    assert client.get(f"/projects/calls/{call.pk}/apply/").status_code == 403


def test_call_page_tells_the_manager_when_ranking_opens(client, cast):
    call = publish(cast)
    client.force_login(cast.civil)
    page = client.get(f"/projects/calls/{call.pk}/").content.decode()
    assert "暂不能评定：申报截止后才能评定。" in page
    close(call)
    page = client.get(f"/projects/calls/{call.pk}/").content.decode()
    assert "暂不能评定" not in page
    assert f"/projects/calls/{call.pk}/decide/" in page
