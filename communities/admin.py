from django.contrib import admin

from communities.hooks import care_level_assessed
from communities.models import (
    Community,
    Consent,
    District,
    FamilyMember,
    Resident,
    StaffAssignment,
    Street,
    Venue,
)
from communities.queries import communities_visible_to, residents_visible_to
from sanlian.admin_base import BIRTH_YEAR_AND_AGE, MASKED_ID, MASKED_PHONE, ScopedAdmin


@admin.register(District)
class DistrictAdmin(admin.ModelAdmin):
    list_display = ("code", "name")
    search_fields = ("code", "name")


@admin.register(Street)
class StreetAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "district")
    list_filter = ("district",)
    search_fields = ("code", "name")


class VenueInline(admin.TabularInline):
    model = Venue
    extra = 0


@admin.register(Community)
class CommunityAdmin(ScopedAdmin):
    scope = communities_visible_to
    list_display = (
        "code",
        "name",
        "street",
        "pilot_batch",
        "households",
        "residents_60_plus",
        "facility_area_m2",
    )
    list_filter = ("pilot_batch", "street__district", "street")
    search_fields = ("code", "name")
    list_select_related = ("street",)
    inlines = [VenueInline]


@admin.register(Venue)
class VenueAdmin(admin.ModelAdmin):
    list_display = ("name", "community", "kind", "area_m2", "capacity")
    list_filter = ("kind",)
    search_fields = ("name", "community__name")
    list_select_related = ("community",)


class ConsentInline(admin.TabularInline):
    model = Consent
    extra = 0
    fields = ("given_by", "guardian_name", "channel", "given_at", "withdrawn_at", "recorded_by")
    raw_id_fields = ("recorded_by",)


@admin.register(Resident)
class ResidentAdmin(ScopedAdmin):
    scope = residents_visible_to
    list_display = (
        "name",
        "sex",
        BIRTH_YEAR_AND_AGE,
        MASKED_ID,
        MASKED_PHONE,
        "community",
        "living_situation",
        "care_level",
    )
    list_filter = ("living_situation", "care_level", "sex", "low_income", "community__street")
    # No search by a full ID or phone number: it confirms guessed numbers; the hotline
    # page does it with a purpose, an access-log row and a limit (communities/privacy.py).
    search_fields = ("name", "=phone_last4")
    list_select_related = ("community",)
    raw_id_fields = ("user", "community")
    inlines = [ConsentInline]
    # An existing resident's identifiers are shown masked here too, and changed through the
    # audited correction page: a superuser reads them in full only by the logged reveal.
    IDENTIFIERS = ("id_number", "birth_date", "phone", "emergency_contact_phone")

    def get_exclude(self, request, obj=None):
        return self.IDENTIFIERS if obj is not None else ()

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        # A care level set by a signed ability assessment (casework) is not typed here.
        assessed = ("care_level",) if care_level_assessed(obj) else ()
        return (MASKED_ID, BIRTH_YEAR_AND_AGE, MASKED_PHONE, *assessed)


@admin.register(Consent)
class ConsentAdmin(admin.ModelAdmin):
    list_display = ("resident", "given_by", "channel", "given_at", "withdrawn_at")
    list_filter = ("given_by", "channel")
    search_fields = ("resident__name",)
    raw_id_fields = ("resident", "recorded_by")


@admin.register(FamilyMember)
class FamilyMemberAdmin(admin.ModelAdmin):
    list_display = ("user", "resident", "relationship")
    search_fields = ("user__username", "resident__name")
    raw_id_fields = ("user", "resident")


@admin.register(StaffAssignment)
class StaffAssignmentAdmin(admin.ModelAdmin):
    list_display = ("user", "street", "community")
    list_filter = ("street__district",)
    search_fields = ("user__username", "street__name", "community__name")
    raw_id_fields = ("user", "community")
