from django.contrib import admin

from sanlian.admin_base import MASKED_PHONE, ScopedAdmin, masked_phone_form
from socialworkers.models import Skill, SocialWorker, Volunteer, VolunteerTeam
from socialworkers.queries import (
    social_workers_visible_to,
    volunteer_teams_visible_to,
    volunteers_visible_to,
)


@admin.register(Skill)
class SkillAdmin(admin.ModelAdmin):
    list_display = ("code", "name")
    search_fields = ("code", "name")


@admin.register(SocialWorker)
class SocialWorkerAdmin(ScopedAdmin):
    scope = social_workers_visible_to
    form = masked_phone_form("phone")
    list_display = (
        "name",
        "qualification",
        "certificate_number",
        MASKED_PHONE,
        "organization",
        "active",
    )
    list_filter = ("qualification", "active", "skills")
    search_fields = ("name", "certificate_number")
    filter_horizontal = ("communities", "skills")
    raw_id_fields = ("user", "organization")


@admin.register(VolunteerTeam)
class VolunteerTeamAdmin(ScopedAdmin):
    scope = volunteer_teams_visible_to
    list_display = ("name", "community", "leader", "founded_on")
    list_filter = ("community__street",)
    search_fields = ("name", "community__name", "leader__name")
    raw_id_fields = ("community", "leader")


@admin.register(Volunteer)
class VolunteerAdmin(ScopedAdmin):
    scope = volunteers_visible_to
    form = masked_phone_form("phone")
    list_display = ("name", MASKED_PHONE, "team")
    list_filter = ("skills",)
    search_fields = ("name", "team__name")
    filter_horizontal = ("skills",)
    raw_id_fields = ("user", "team")
