"""Registry pages for social workers, volunteer teams and volunteers."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from communities.models import SOCIAL_WORKER_TARGET
from communities.queries import communities_visible_to, communities_with_indicators
from organizations.queries import organizations_visible_to
from sanlian.view_helpers import apply_domain_error, paginate, predicate_required
from socialworkers import domain, rules
from socialworkers.forms import (
    SocialWorkerFilterForm,
    SocialWorkerForm,
    TeamFilterForm,
    VolunteerFilterForm,
    VolunteerForm,
    VolunteerTeamForm,
    approved_organizations,
)
from socialworkers.hooks import volunteers_with_hours
from socialworkers.queries import (
    social_workers_for_list,
    social_workers_visible_to,
    volunteer_teams_for_list,
    volunteer_teams_visible_to,
    volunteers_for_list,
    volunteers_visible_to,
)


def _pk(value):
    return value.pk if value is not None else None


@predicate_required(rules.may_view_registry)
def social_worker_list(request: HttpRequest) -> HttpResponse:
    form = SocialWorkerFilterForm(
        request.GET or None, communities=communities_visible_to(request.user)
    )
    filters = form.cleaned_data if form.is_valid() else {}
    workers = social_workers_for_list(
        request.user,
        search=filters.get("q", ""),
        skill_id=_pk(filters.get("skill")),
        community_id=_pk(filters.get("community")),
        qualification=filters.get("qualification", ""),
    )
    context = {
        "form": form,
        "page_obj": paginate(request, workers),
        "may_edit": rules.may_edit_registry(request.user),
    }
    return render(request, "socialworkers/social_worker_list.html", context)


@predicate_required(rules.may_view_registry)
def social_worker_detail(request: HttpRequest, pk: int) -> HttpResponse:
    worker = get_object_or_404(social_workers_visible_to(request.user), pk=pk)
    context = {
        "worker": worker,
        "communities": worker.communities.select_related("street"),
        "skills": worker.skills.all(),
        "teams": worker.led_teams.select_related("community"),
        "may_edit": rules.may_edit_registry(request.user, worker),
    }
    return render(request, "socialworkers/social_worker_detail.html", context)


def _worker_form(request: HttpRequest, instance=None) -> SocialWorkerForm:
    communities = communities_visible_to(request.user)
    initial = {}
    if instance is not None:
        initial = {
            "communities": instance.communities.filter(pk__in=communities.values("pk")),
            "skills": instance.skills.all(),
        }
    return SocialWorkerForm(
        request.POST or None,
        instance=instance,
        initial=initial,
        communities=communities,
        organizations=approved_organizations(organizations_visible_to(request.user)),
        editing=instance is not None,
    )


def _worker_fields(form: SocialWorkerForm, *, keep_phone: bool) -> dict:
    fields = {name: form.cleaned_data[name] for name in SocialWorkerForm.Meta.fields}
    if keep_phone and not fields["phone"]:
        fields.pop("phone")
    return fields


@predicate_required(rules.may_edit_registry)
def social_worker_create(request: HttpRequest) -> HttpResponse:
    form = _worker_form(request)
    if request.method == "POST" and form.is_valid():
        try:
            worker = domain.social_worker_create(
                actor=request.user,
                communities=form.cleaned_data["communities"],
                skills=form.cleaned_data["skills"],
                **_worker_fields(form, keep_phone=False),
            )
        except ValidationError as error:
            apply_domain_error(form, error)
        else:
            messages.success(request, _("社工已登记。"))
            return redirect("socialworkers:detail", pk=worker.pk)
    return render(request, "socialworkers/form.html", {"form": form, "title": _("登记社工")})


@predicate_required(rules.may_edit_registry)
def social_worker_edit(request: HttpRequest, pk: int) -> HttpResponse:
    worker = get_object_or_404(social_workers_visible_to(request.user), pk=pk)
    form = _worker_form(request, instance=worker)
    if request.method == "POST" and form.is_valid():
        worker.refresh_from_db()  # the ModelForm wrote cleaned values onto the instance
        try:
            domain.social_worker_update(
                social_worker=worker,
                actor=request.user,
                communities=form.cleaned_data["communities"],
                skills=form.cleaned_data["skills"],
                **_worker_fields(form, keep_phone=True),
            )
        except ValidationError as error:
            apply_domain_error(form, error)
        else:
            messages.success(request, _("社工信息已保存。"))
            return redirect("socialworkers:detail", pk=worker.pk)
    return render(request, "socialworkers/form.html", {"form": form, "title": _("修改社工信息")})


@predicate_required(rules.may_view_registry)
def coverage(request: HttpRequest) -> HttpResponse:
    communities = communities_with_indicators(request.user).order_by("street__name", "name")
    below = [c for c in communities if c.social_worker_count < SOCIAL_WORKER_TARGET]
    context = {
        "page_obj": paginate(request, communities),
        "below": below,
        "target": SOCIAL_WORKER_TARGET,
    }
    return render(request, "socialworkers/coverage.html", context)


# --- volunteer teams and volunteers --------------------------------------------------------


@predicate_required(rules.may_view_registry)
def team_list(request: HttpRequest) -> HttpResponse:
    form = TeamFilterForm(request.GET or None, communities=communities_visible_to(request.user))
    filters = form.cleaned_data if form.is_valid() else {}
    teams = volunteer_teams_for_list(
        request.user, search=filters.get("q", ""), community_id=_pk(filters.get("community"))
    )
    context = {
        "form": form,
        "page_obj": paginate(request, teams),
        "may_edit": rules.may_edit_registry(request.user),
    }
    return render(request, "socialworkers/team_list.html", context)


@predicate_required(rules.may_view_registry)
def team_detail(request: HttpRequest, pk: int) -> HttpResponse:
    team = get_object_or_404(volunteer_teams_visible_to(request.user), pk=pk)
    members = volunteers_with_hours(team.members.prefetch_related("skills").order_by("name"))
    context = {
        "team": team,
        "members": members,
        "may_edit": rules.may_edit_registry(request.user, team),
    }
    return render(request, "socialworkers/team_detail.html", context)


def _team_form(request: HttpRequest, instance=None) -> VolunteerTeamForm:
    return VolunteerTeamForm(
        request.POST or None,
        instance=instance,
        communities=communities_visible_to(request.user),
        leaders=social_workers_visible_to(request.user),
    )


@predicate_required(rules.may_edit_registry)
def team_create(request: HttpRequest) -> HttpResponse:
    form = _team_form(request)
    if request.method == "POST" and form.is_valid():
        try:
            team = domain.volunteer_team_create(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_domain_error(form, error)
        else:
            messages.success(request, _("志愿服务队已登记。"))
            return redirect("socialworkers:team_detail", pk=team.pk)
    return render(request, "socialworkers/form.html", {"form": form, "title": _("登记志愿服务队")})


@predicate_required(rules.may_edit_registry)
def team_edit(request: HttpRequest, pk: int) -> HttpResponse:
    team = get_object_or_404(volunteer_teams_visible_to(request.user), pk=pk)
    form = _team_form(request, instance=team)
    if request.method == "POST" and form.is_valid():
        team.refresh_from_db()
        try:
            domain.volunteer_team_update(team=team, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_domain_error(form, error)
        else:
            messages.success(request, _("服务队信息已保存。"))
            return redirect("socialworkers:team_detail", pk=team.pk)
    return render(request, "socialworkers/form.html", {"form": form, "title": _("修改服务队")})


@predicate_required(rules.may_view_registry)
def volunteer_list(request: HttpRequest) -> HttpResponse:
    form = VolunteerFilterForm(request.GET or None, teams=volunteer_teams_visible_to(request.user))
    filters = form.cleaned_data if form.is_valid() else {}
    volunteers = volunteers_for_list(
        request.user,
        search=filters.get("q", ""),
        skill_id=_pk(filters.get("skill")),
        team_id=_pk(filters.get("team")),
    )
    page_obj = paginate(request, volunteers)
    page_obj.object_list = volunteers_with_hours(page_obj.object_list)
    context = {
        "form": form,
        "page_obj": page_obj,
        "may_edit": rules.may_edit_registry(request.user),
    }
    return render(request, "socialworkers/volunteer_list.html", context)


def _volunteer_form(request: HttpRequest, instance=None) -> VolunteerForm:
    initial = {"skills": instance.skills.all()} if instance is not None else {}
    return VolunteerForm(
        request.POST or None,
        instance=instance,
        initial=initial,
        teams=volunteer_teams_visible_to(request.user),
        editing=instance is not None,
    )


@predicate_required(rules.may_edit_registry)
def volunteer_create(request: HttpRequest) -> HttpResponse:
    form = _volunteer_form(request)
    if request.method == "POST" and form.is_valid():
        try:
            domain.volunteer_create(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_domain_error(form, error)
        else:
            messages.success(request, _("志愿者已登记。"))
            return redirect("socialworkers:volunteer_list")
    return render(request, "socialworkers/form.html", {"form": form, "title": _("登记志愿者")})


@predicate_required(rules.may_edit_registry)
def volunteer_edit(request: HttpRequest, pk: int) -> HttpResponse:
    volunteer = get_object_or_404(volunteers_visible_to(request.user), pk=pk)
    form = _volunteer_form(request, instance=volunteer)
    if request.method == "POST" and form.is_valid():
        volunteer.refresh_from_db()
        fields = dict(form.cleaned_data)
        if not fields["phone"]:
            fields.pop("phone")
        try:
            domain.volunteer_update(volunteer=volunteer, actor=request.user, **fields)
        except ValidationError as error:
            apply_domain_error(form, error)
        else:
            messages.success(request, _("志愿者信息已保存。"))
            return redirect("socialworkers:volunteer_list")
    return render(request, "socialworkers/form.html", {"form": form, "title": _("修改志愿者")})
