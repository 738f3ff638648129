import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from activities.models import HoursCredit, ShiftSignup
from socialworkers import domain
from socialworkers.models import SocialWorker, Volunteer, VolunteerTeam
from tests import factories as f
from tests.factories.activities import ShiftFactory, VolunteerPostFactory


def _worker_post(cast, **overrides) -> dict:
    data = {
        "name": "王社工",
        "phone": "13811112222",
        "qualification": "intermediate",
        "certificate_number": "SW-NEW-001",
        "organization": "",
        "active": "on",
        "communities": [cast.community.pk],
        "skills": [],
    }
    data.update(overrides)
    return data


def test_street_staff_registers_social_worker(client, cast):
    skill = f.SkillFactory(code="dance", name="舞蹈")
    client.force_login(cast.street_staff)
    response = client.post(reverse("socialworkers:create"), _worker_post(cast, skills=[skill.pk]))
    assert response.status_code == 302
    worker = SocialWorker.objects.get(certificate_number="SW-NEW-001")
    assert list(worker.communities.all()) == [cast.community]
    assert list(worker.skills.all()) == [skill]


def test_street_staff_cannot_register_for_another_street(client, cast):
    client.force_login(cast.street_staff)
    response = client.post(
        reverse("socialworkers:create"), _worker_post(cast, communities=[cast.other_community.pk])
    )
    assert "communities" in response.context["form"].errors
    assert not SocialWorker.objects.exists()


def test_duplicate_certificate_number_changes_nothing(client, cast):
    f.SocialWorkerFactory(certificate_number="SW-NEW-001")
    client.force_login(cast.civil)
    response = client.post(reverse("socialworkers:create"), _worker_post(cast))
    assert "该证书编号已经登记过。" in response.context["form"].errors["certificate_number"]
    assert SocialWorker.objects.count() == 1


def test_invalid_phone_changes_nothing(client, cast):
    client.force_login(cast.civil)
    response = client.post(reverse("socialworkers:create"), _worker_post(cast, phone="123"))
    assert "phone" in response.context["form"].errors
    assert not SocialWorker.objects.exists()


@pytest.mark.parametrize("who", ["community_staff", "member", "family"])
def test_wrong_roles_cannot_register(client, cast, who):
    client.force_login(getattr(cast, who))
    response = client.post(reverse("socialworkers:create"), _worker_post(cast))
    assert response.status_code == 403
    assert not SocialWorker.objects.exists()


def test_street_edit_keeps_communities_outside_its_scope(cast):
    worker = f.SocialWorkerFactory(phone="13800001111")
    worker.communities.set([cast.community, cast.other_community])
    domain.social_worker_update(
        social_worker=worker,
        actor=cast.street_staff,
        communities=[],
        skills=[],
        name="改名社工",
    )
    worker.refresh_from_db()
    assert worker.name == "改名社工"
    assert worker.phone == "13800001111"
    assert list(worker.communities.all()) == [cast.other_community]


def test_edit_page_keeps_phone_when_blank_and_hides_it(client, cast):
    worker = f.SocialWorkerFactory(phone="13800001111", certificate_number="SW-KEEP")
    worker.communities.set([cast.community])
    client.force_login(cast.street_staff)
    url = reverse("socialworkers:edit", args=[worker.pk])
    assert "13800001111" not in client.get(url).content.decode()
    response = client.post(
        url, _worker_post(cast, phone="", certificate_number="SW-KEEP", name="新名字")
    )
    assert response.status_code == 302
    worker.refresh_from_db()
    assert (worker.name, worker.phone) == ("新名字", "13800001111")


def test_other_streets_worker_is_404(client, cast):
    worker = f.SocialWorkerFactory()
    worker.communities.set([cast.other_community])
    client.force_login(cast.street_staff)
    assert client.get(reverse("socialworkers:detail", args=[worker.pk])).status_code == 404
    assert client.get(reverse("socialworkers:edit", args=[worker.pk])).status_code == 404
    with pytest.raises(PermissionDenied):
        domain.social_worker_update(
            social_worker=worker, actor=cast.street_staff, communities=[], skills=[]
        )


def test_list_filters_by_skill_and_masks_phone(client, cast):
    dance = f.SkillFactory(code="dance", name="舞蹈")
    dancer = f.SocialWorkerFactory(name="跳舞社工", phone="13811112222")
    dancer.communities.set([cast.community])
    dancer.skills.set([dance])
    other = f.SocialWorkerFactory(name="普通社工")
    other.communities.set([cast.community])
    client.force_login(cast.street_staff)
    response = client.get(reverse("socialworkers:list"), {"skill": dance.pk})
    assert [w.name for w in response.context["page_obj"]] == ["跳舞社工"]
    page = response.content.decode()
    assert "13811112222" not in page
    assert "138****2222" in page


def test_list_hides_other_streets_workers(client, cast):
    f.SocialWorkerFactory(name="西边社工").communities.set([cast.other_community])
    client.force_login(cast.street_staff)
    response = client.get(reverse("socialworkers:list"))
    assert "西边社工" not in [w.name for w in response.context["page_obj"]]


def test_team_and_volunteer_registration(cast):
    leader = f.SocialWorkerFactory()
    leader.communities.set([cast.community])
    team = domain.volunteer_team_create(
        actor=cast.street_staff, name="润梅志愿服务队", community=cast.community, leader=leader
    )
    skill = f.SkillFactory(code="fire", name="消防安全")
    volunteer = domain.volunteer_create(
        actor=cast.street_staff, name="李志愿", team=team, skills=[skill]
    )
    assert volunteer.team == team
    assert list(volunteer.skills.all()) == [skill]


def test_team_in_other_street_is_refused(cast):
    with pytest.raises(ValidationError):
        domain.volunteer_team_create(
            actor=cast.street_staff, name="西队", community=cast.other_community, leader=None
        )
    assert not VolunteerTeam.objects.exists()


def test_typed_hours_are_not_taken(client, cast):
    team = f.VolunteerTeamFactory(community=cast.community)
    client.force_login(cast.street_staff)
    response = client.post(
        reverse("socialworkers:volunteer_create"),
        {"name": "自报时长", "team": team.pk, "hours_served": "300"},
    )
    assert response.status_code == 302
    assert not hasattr(Volunteer.objects.get(name="自报时长"), "hours_served")
    page = client.get(reverse("socialworkers:volunteer_list"), {"q": "自报时长"})
    assert "累计 0.0 小时" in page.content.decode()


def test_registry_pages_show_hours_credited_from_attendance(client, cast):
    team = f.VolunteerTeamFactory(community=cast.community)
    volunteer = f.VolunteerFactory(team=team, name="签到志愿者")
    now = timezone.now()
    shift = ShiftFactory(
        post=VolunteerPostFactory(community=cast.community),
        starts_at=now - datetime.timedelta(hours=3),
        ends_at=now - datetime.timedelta(hours=1),
    )
    signup = ShiftSignup.objects.create(shift=shift, volunteer=volunteer)
    HoursCredit.objects.create(volunteer=volunteer, shift_signup=signup, minutes=150)
    client.force_login(cast.street_staff)
    listed = client.get(reverse("socialworkers:volunteer_list"), {"q": "签到志愿者"})
    assert "累计 2.5 小时" in listed.content.decode()
    detail = client.get(reverse("socialworkers:team_detail", args=[team.pk]))
    assert "累计 2.5 小时" in detail.content.decode()


def test_volunteer_list_filters_by_skill(client, cast):
    skill = f.SkillFactory(code="art", name="艺术")
    team = f.VolunteerTeamFactory(community=cast.community)
    artist = f.VolunteerFactory(team=team, name="画家")
    artist.skills.set([skill])
    f.VolunteerFactory(team=team, name="路人")
    f.VolunteerFactory(team=f.VolunteerTeamFactory(community=cast.other_community), name="西边")
    client.force_login(cast.street_staff)
    url = reverse("socialworkers:volunteer_list")
    assert {v.name for v in client.get(url).context["page_obj"]} == {"画家", "路人"}
    assert [v.name for v in client.get(url, {"skill": skill.pk}).context["page_obj"]] == ["画家"]


def test_other_streets_team_is_404(client, cast):
    team = f.VolunteerTeamFactory(community=cast.other_community)
    client.force_login(cast.street_staff)
    assert client.get(reverse("socialworkers:team_detail", args=[team.pk])).status_code == 404
    assert client.get(reverse("socialworkers:team_edit", args=[team.pk])).status_code == 404


def test_coverage_lists_communities_below_target(client, cast):
    for n in range(2):
        f.SocialWorkerFactory(certificate_number=f"SW-OK-{n}").communities.set([cast.community])
    below = f.CommunityFactory(street=cast.east_street, name="缺社工社区")
    f.SocialWorkerFactory().communities.set([below])
    client.force_login(cast.street_staff)
    response = client.get(reverse("socialworkers:coverage"))
    assert [c.name for c in response.context["below"]] == ["缺社工社区"]
    counts = {c.name: c.social_worker_count for c in response.context["page_obj"]}
    assert counts == {"桃南二社区": 2, "缺社工社区": 1}
    assert "未达标" in response.content.decode()


def test_inactive_workers_do_not_count_toward_target(client, cast):
    for n in range(2):
        f.SocialWorkerFactory(active=n == 0).communities.set([cast.community])
    client.force_login(cast.street_staff)
    response = client.get(reverse("socialworkers:coverage"))
    assert [c.name for c in response.context["below"]] == ["桃南二社区"]


@pytest.mark.parametrize("who", ["member", "family"])
def test_registry_pages_forbidden_for_non_staff(client, cast, who):
    client.force_login(getattr(cast, who))
    for name in ("list", "coverage", "team_list", "volunteer_list"):
        assert client.get(reverse(f"socialworkers:{name}")).status_code == 403
