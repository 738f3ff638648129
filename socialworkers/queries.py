"""Who sees which social workers, volunteer teams and volunteers."""

from django.db.models import Count, Q, QuerySet

from communities.queries import staff_community_ids
from sanlian.roles import LOCAL_STAFF, Role
from socialworkers.models import SocialWorker, Volunteer, VolunteerTeam


def social_workers_visible_to(user) -> QuerySet[SocialWorker]:
    workers = SocialWorker.objects.select_related("organization")
    if not user.is_authenticated:
        return workers.none()
    if user.role == Role.CIVIL_AFFAIRS:
        return workers
    if user.role in LOCAL_STAFF:
        in_scope = SocialWorker.objects.filter(communities__in=staff_community_ids(user))
        return workers.filter(pk__in=in_scope.values("pk"))
    if user.role == Role.ORGANIZATION:
        return workers.filter(organization__members__user=user)
    if user.role == Role.SOCIAL_WORKER:
        return workers.filter(user=user)
    return workers.none()


def volunteer_teams_visible_to(user) -> QuerySet[VolunteerTeam]:
    teams = VolunteerTeam.objects.select_related("community", "leader")
    if not user.is_authenticated:
        return teams.none()
    if user.role == Role.CIVIL_AFFAIRS:
        return teams
    if user.role in LOCAL_STAFF:
        return teams.filter(community_id__in=staff_community_ids(user))
    if user.role == Role.SOCIAL_WORKER:
        return teams.filter(leader__user=user)
    if user.role == Role.VOLUNTEER:
        # A subquery, not a join on `members`: the join would leave only the volunteer's
        # own row for a later Count("members") to count (issue 21, item 6).
        return teams.filter(pk__in=Volunteer.objects.filter(user=user).values("team_id"))
    return teams.none()


def volunteers_visible_to(user) -> QuerySet[Volunteer]:
    volunteers = Volunteer.objects.select_related("team__community")
    if not user.is_authenticated:
        return volunteers.none()
    if user.role == Role.CIVIL_AFFAIRS:
        return volunteers
    if user.role in LOCAL_STAFF:
        return volunteers.filter(team__community_id__in=staff_community_ids(user))
    if user.role == Role.SOCIAL_WORKER:
        return volunteers.filter(team__leader__user=user)
    if user.role == Role.VOLUNTEER:
        return volunteers.filter(Q(user=user))
    return volunteers.none()


def social_workers_for_list(
    user,
    *,
    search: str = "",
    skill_id: int | None = None,
    community_id: int | None = None,
    qualification: str = "",
) -> QuerySet[SocialWorker]:
    workers = social_workers_visible_to(user)
    if search:
        workers = workers.filter(
            Q(name__icontains=search) | Q(certificate_number__icontains=search)
        )
    if skill_id:
        workers = workers.filter(pk__in=SocialWorker.objects.filter(skills=skill_id).values("pk"))
    if community_id:
        workers = workers.filter(
            pk__in=SocialWorker.objects.filter(communities=community_id).values("pk")
        )
    if qualification:
        workers = workers.filter(qualification=qualification)
    return workers.prefetch_related("communities", "skills").order_by("name", "pk")


def volunteer_teams_for_list(
    user, *, search: str = "", community_id: int | None = None
) -> QuerySet[VolunteerTeam]:

    teams = volunteer_teams_visible_to(user).annotate(member_count=Count("members"))
    if search:
        teams = teams.filter(name__icontains=search)
    if community_id:
        teams = teams.filter(community_id=community_id)
    return teams.order_by("name", "pk")


def volunteers_for_list(
    user, *, search: str = "", skill_id: int | None = None, team_id: int | None = None
) -> QuerySet[Volunteer]:
    volunteers = volunteers_visible_to(user)
    if search:
        volunteers = volunteers.filter(name__icontains=search)
    if skill_id:
        volunteers = volunteers.filter(
            pk__in=Volunteer.objects.filter(skills=skill_id).values("pk")
        )
    if team_id:
        volunteers = volunteers.filter(team_id=team_id)
    return volunteers.prefetch_related("skills").order_by("name", "pk")
