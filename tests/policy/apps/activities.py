"""Access-matrix rows of activities: activities and sign-ups, the door list and QR check-in,
feedback, venue calendars, volunteer posts and shifts, volunteers' records, the time bank,
suggestions and rosters, over pages and the API, on both sides."""

import datetime
from types import SimpleNamespace

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from activities.models import (
    Activity,
    ActivityFeedback,
    HelpRecord,
    HoursCredit,
    ShiftSignup,
    Signup,
    Suggestion,
    TimeBankAccount,
    TimeBankEntry,
    VolunteerPost,
)
from activities.queries import signup_checkin_token
from activities.rosters import COLUMNS
from communities.models import Resident
from tests import factories as f
from tests.factories.activities import ActivityFactory, ShiftFactory, VolunteerPostFactory
from tests.policy.policy import (
    ALL,
    CA,
    CS,
    FA,
    ORG,
    OWN,
    RE,
    RESIDENT_SIDE,
    SCOPE,
    ST,
    STAFF,
    SW,
    VO,
    _api,
    _page,
)

OBJECTS = {"activities", "signups", "volunteering", "time_bank", "suggestions", "rosters"}

# Activities are public notices: organizations browse every community's, as they browse the
# communities themselves; the rest see those of their own communities.
READERS = {CA: ALL, ORG: ALL, ST: SCOPE, CS: SCOPE, SW: OWN, VO: OWN, RE: OWN, FA: OWN}
MANAGERS = {CA: ALL, ST: SCOPE, CS: SCOPE, ORG: OWN}  # the host organization and local staff
ORGANIZERS = {CA: ALL, ST: SCOPE, CS: SCOPE, SW: OWN}  # volunteer posts: staff, team leaders
PEOPLE_OWN = {CA: ALL, ST: SCOPE, CS: SCOPE, ORG: OWN, SW: OWN, VO: OWN, RE: OWN, FA: OWN}
ACTIVITY = {
    "title": "象棋辅导班",
    "venue": "@venue_free",
    "team": "@team",  # only a team leader's form has the field
    "starts_at": "@monday 10:00",
    "ends_at": "@monday 12:00",
    "capacity": 12,
    "open_to": "community",
}
HELP = {
    "helper": "@resident",
    "helped": "@neighbour",
    "kind": "company",
    "day": (datetime.date.today() - datetime.timedelta(days=1)).isoformat(),  # done: past
    "minutes": 30,
}


def _fresh(obj):
    return type(obj).objects.get(pk=obj.pk)


def _status(value):
    return lambda obj: _fresh(obj).status == value


EFFECTS = {
    ("activities", "create"): lambda venue: Activity.objects.filter(venue=venue).count(),
    ("activities", "cancel"): _status("cancelled"),
    ("signups", "sign_up"): lambda activity: activity.signups.count(),
    ("signups", "cancel"): _status("cancelled"),
    ("signups", "attend"): lambda signup: _fresh(signup).attended_at is not None,
    ("signups", "check_in"): lambda code: _fresh(code.signup).attended_at is not None,
    ("signups", "feedback"): lambda s: ActivityFeedback.objects.filter(signup=s).exists(),
    ("volunteering", "create_post"): lambda c: VolunteerPost.objects.filter(community=c).count(),
    ("volunteering", "create_shift"): lambda post: post.shifts.count(),
    ("volunteering", "sign_up"): lambda shift: shift.signups.count(),
    ("volunteering", "credit"): lambda s: HoursCredit.objects.filter(shift_signup=s).exists(),
    ("time_bank", "report_help"): lambda r: HelpRecord.objects.filter(helper=r).count(),
    ("time_bank", "confirm_help"): _status("confirmed"),
    ("time_bank", "spend"): lambda account: _fresh(account).balance_minutes,
    ("suggestions", "create"): lambda c: Suggestion.objects.filter(community=c).count(),
    ("suggestions", "answer"): _status("answered"),
    ("suggestions", "close"): _status("done"),
    ("rosters", "import"): lambda c: Resident.objects.filter(community=c).count(),
}


def _roster(community) -> dict:
    """A one-row sheet for `community` (a fresh file per probe: an upload is read once)."""
    row = {
        "姓名": "名册新居民",
        "性别": "女",
        "身份证号码": f.resident_id("140105", datetime.date(1946, 3, 1), 777),
        "联系电话": "13712345678",
        "住址": "桃园南路9号",
        "社区代码": community.code,
        "居住状况": "独居",
        "照护等级": "自理",
    }
    text = ",".join(COLUMNS) + "\n" + ",".join(row[c] for c in COLUMNS) + "\n"
    upload = SimpleUploadedFile("名册.csv", text.encode("utf-8-sig"), content_type="text/csv")
    return {"file": upload, "commit": "1"}


EXTRA_DATA = {("rosters", "import"): _roster}

RULES = (
    # --- activities ----------------------------------------------------------------------------
    _page("activities", "list", "activities:list", READERS),
    _api("activities", "list", "activity-list", READERS),
    _page("activities", "view", "activities:detail", READERS, target="activity"),
    _api("activities", "view", "activity-detail", READERS, target="activity"),
    _page(
        "activities",
        "create",
        "activities:create",
        {CA: ALL, ST: SCOPE, CS: SCOPE, ORG: OWN, SW: OWN},
        method="POST",
        data=ACTIVITY,
        target="venue_free",
        kwarg="",
        form_refusal=True,
    ),
    _page(
        "activities",
        "cancel",
        "activities:cancel",
        MANAGERS,
        method="POST",
        data={"reason": "场地维修"},
        target="activity",
    ),
    _page("activities", "door_list", "activities:door", MANAGERS, target="activity_now"),
    _page("activities", "venue_calendar", "activities:venue_calendar", READERS, target="venue"),
    # --- sign-ups, attendance, feedback ------------------------------------------------------
    _page(
        "signups",
        "sign_up",
        "activities:sign_up",
        STAFF,
        RESIDENT_SIDE,
        method="POST",
        data={"resident": "@resident"},
        target="activity_open",
    ),
    _api(
        "signups",
        "sign_up",
        "activity-sign-up",
        STAFF,
        RESIDENT_SIDE,
        method="POST",
        data={"resident": "@resident"},
        target="activity_open",
    ),
    _api("signups", "list", "activity-signup-list", MANAGERS, RESIDENT_SIDE),
    _api("signups", "view", "activity-signup-detail", MANAGERS, RESIDENT_SIDE, target="signup"),
    _page(
        "signups",
        "cancel",
        "activities:signup_cancel",
        MANAGERS,
        RESIDENT_SIDE,
        method="POST",
        target="signup",
    ),
    _api(
        "signups",
        "cancel",
        "activity-signup-cancel",
        MANAGERS,
        RESIDENT_SIDE,
        method="POST",
        target="signup",
    ),
    _page("signups", "attend", "activities:attend", MANAGERS, method="POST", target="signup_now"),
    _api(
        "signups", "attend", "activity-signup-attend", MANAGERS, method="POST", target="signup_now"
    ),
    _page(
        "signups",
        "check_in",
        "activities:checkin",
        MANAGERS,
        method="POST",
        target="checkin_code",
        kwarg="token",
    ),
    _page("signups", "qr_code", "activities:checkin_qr", RESIDENT_SIDE, target="signup"),
    _page(
        "signups",
        "feedback",
        "activities:feedback",
        RESIDENT_SIDE,
        method="POST",
        data={"rating": 5, "comment": "老师讲得好"},
        target="signup_past",
    ),
    _api(
        "signups",
        "feedback",
        "activity-signup-feedback",
        RESIDENT_SIDE,
        method="POST",
        data={"rating": 5, "comment": "老师讲得好"},
        target="signup_past",
    ),
    # --- volunteering ------------------------------------------------------------------------
    _page("volunteering", "list_posts", "activities:post_list", READERS),
    _page(
        "volunteering",
        "create_post",
        "activities:post_create",
        ORGANIZERS,
        method="POST",
        data={"community": "@community", "project": "社区+义工", "title": "棋艺助教"},
        target="community",
        kwarg="",
        form_refusal=True,
    ),
    _page(
        "volunteering",
        "create_shift",
        "activities:shift_create",
        ORGANIZERS,
        method="POST",
        data={"starts_at": "@monday 09:00", "ends_at": "@monday 11:00", "slots": 2},
        target="post",
    ),
    _page("volunteering", "view_shift", "activities:shift_detail", ORGANIZERS, target="shift"),
    _page(
        "volunteering",
        "sign_up",
        "activities:shift_sign_up",
        {VO: OWN},
        method="POST",
        target="shift",
    ),
    _page(
        "volunteering",
        "credit",
        "activities:shift_credit",
        ORGANIZERS,
        method="POST",
        target="shift_signup",
    ),
    _page(
        "volunteering",
        "list_volunteers",
        "activities:volunteer_list",
        {**ORGANIZERS, VO: OWN},
    ),
    _page(
        "volunteering",
        "view_record",
        "activities:volunteer_record",
        {**ORGANIZERS, VO: OWN},
        target="volunteer",
    ),
    _page(
        "volunteering",
        "certificate",
        "activities:certificate",
        {**ORGANIZERS, VO: OWN},
        target="volunteer",
    ),
    # --- time bank ---------------------------------------------------------------------------
    _page("time_bank", "view", "activities:time_bank", STAFF, RESIDENT_SIDE),
    _api("time_bank", "list", "time-bank-account-list", STAFF, RESIDENT_SIDE),
    _api(
        "time_bank", "view", "time-bank-account-detail", STAFF, RESIDENT_SIDE, target="tb_account"
    ),
    _page(
        "time_bank",
        "report_help",
        "activities:help_report",
        STAFF,
        method="POST",
        data=HELP,
        target="resident",
        kwarg="",
        form_refusal=True,
    ),
    _page(
        "time_bank",
        "confirm_help",
        "activities:help_confirm",
        STAFF,
        method="POST",
        target="help_reported",
    ),
    _page(
        "time_bank",
        "spend",
        "activities:spend",
        {**STAFF, RE: OWN},
        method="POST",
        data={"beneficiary": "@resident", "minutes": 30, "reason": "陪同就医"},
        target="tb_account",
    ),
    # --- suggestions -------------------------------------------------------------------------
    _page("suggestions", "list", "activities:suggestion_list", PEOPLE_OWN),
    _api("suggestions", "list", "suggestion-list", PEOPLE_OWN),
    _api(
        "suggestions",
        "view",
        "suggestion-detail",
        {**STAFF, RE: OWN},  # the world's suggestions are the resident's own
        target="suggestion_open",
    ),
    _page(
        "suggestions",
        "create",
        "activities:suggestion_create",
        {ORG: OWN, RE: OWN, FA: OWN},
        method="POST",
        data={"community": "@community", "title": "多办象棋班", "body": "希望每周一次。"},
        target="community",
        kwarg="",
        form_refusal=True,
    ),
    _page(
        "suggestions",
        "answer",
        "activities:suggestion_answer",
        STAFF,
        method="POST",
        data={"answer": "下月起每周六上午开班。"},
        target="suggestion_open",
    ),
    _page(
        "suggestions",
        "close",
        "activities:suggestion_close",
        STAFF,
        method="POST",
        target="suggestion_answered",
    ),
    # --- rosters -----------------------------------------------------------------------------
    _page("rosters", "template", "activities:roster_template", STAFF),
    _page("rosters", "import_form", "activities:roster_import", STAFF),
    _page(
        "rosters",
        "import",
        "activities:roster_import",
        STAFF,  # rows outside the importer's communities are bad rows: nothing imported
        method="POST",
        target="community",
        kwarg="",
        form_refusal=True,
    ),
)

HOUR = datetime.timedelta(hours=1)


def _signed_up(activity, resident, **extra) -> Signup:
    Activity.objects.filter(pk=activity.pk).update(confirmed_count=1)
    return Signup.objects.create(
        activity=activity, resident=resident, status="confirmed", channel="self", **extra
    )


def _time_bank(resident, neighbour) -> TimeBankAccount:
    earned = HelpRecord.objects.create(
        helper=resident,
        helped=neighbour,
        kind="company",
        day=timezone.localdate(),
        minutes=120,
        status="confirmed",
    )
    account = TimeBankAccount.objects.create(resident=resident, balance_minutes=120)
    TimeBankEntry.objects.create(
        account=account, kind="earn", minutes=120, help=earned, reason="陪伴聊天"
    )
    return account


def _side(side, author) -> None:
    now = timezone.now()
    community, organization = side.community, side.organization
    side.venue = f.VenueFactory(community=community, name="活动室")
    side.venue_free = f.VenueFactory(community=community, name="多功能厅")
    host = {"venue": side.venue, "organization": organization}
    # Away from Monday 10:00-12:00, where the probes publish (at venue_free, anyway).
    side.activity = ActivityFactory(**host, starts_at=now + 30 * HOUR, title="形象设计课")
    side.activity_open = ActivityFactory(**host, starts_at=now + 33 * HOUR, title="书法课")
    side.activity_now = ActivityFactory(**host, starts_at=now + HOUR / 2, title="健康讲座")
    past = ActivityFactory(**host, starts_at=now - 3 * HOUR, ends_at=now - HOUR, title="剪纸课")
    side.signup = _signed_up(side.activity, side.resident)
    side.signup_now = _signed_up(side.activity_now, side.resident)
    side.signup_past = _signed_up(past, side.resident, attended_at=now - 3 * HOUR)
    side.checkin_code = SimpleNamespace(
        pk=signup_checkin_token(side.signup_now), signup=side.signup_now
    )
    side.post = VolunteerPostFactory(community=community)
    side.shift = ShiftFactory(post=side.post, starts_at=now + 40 * HOUR)
    started = ShiftFactory(post=side.post, starts_at=now - 2 * HOUR, ends_at=now - HOUR)
    side.shift_signup = ShiftSignup.objects.create(shift=started, volunteer=side.volunteer)
    side.neighbour = f.ResidentFactory(community=community)
    side.help_reported = HelpRecord.objects.create(
        helper=side.resident, helped=side.neighbour, kind="shopping", day=now.date(), minutes=40
    )
    side.tb_account = _time_bank(side.resident, side.neighbour)
    suggestion = {"community": community, "author": author, "body": "希望多办活动。"}
    side.suggestion_open = Suggestion.objects.create(**suggestion, title="多办书法课")
    side.suggestion_answered = Suggestion.objects.create(
        **suggestion, title="修缮活动室", status="answered", answer="已报街道。"
    )


def extend_world(world) -> None:
    theirs_author = world.sides["theirs"].resident.user or f.UserFactory(role="resident")
    _side(world.sides["ours"], world.cast.resident.user)
    _side(world.sides["theirs"], theirs_author)
