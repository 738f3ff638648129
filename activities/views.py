"""Pages: activities and venue calendars, the door list, volunteering, time bank, suggestions.

Views validate, call one domain function and render; buttons come from rules.py.
"""

import datetime
import io

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from activities import rosters, rules
from activities.domain import activities as activity_domain
from activities.domain import suggestions as suggestion_domain
from activities.domain import timebank, volunteering
from activities.forms import (
    ActivityForm,
    AnswerForm,
    FeedbackForm,
    HelpForm,
    PostForm,
    ReasonForm,
    ResidentChoiceForm,
    RosterForm,
    ShiftForm,
    SpendForm,
    SuggestionForm,
)
from activities.models import Activity, HelpRecord, Shift, Signup, TimeBankEntry
from activities.queries import (
    activities_managed_by,
    activities_visible_to,
    help_records_visible_to,
    posts_visible_to,
    shift_signups_visible_to,
    signup_by_checkin_token,
    signup_checkin_token,
    signups_visible_to,
    suggestions_visible_to,
    time_bank_accounts_visible_to,
    venue_bookings,
    venues_for_publishing,
    venues_visible_to,
    volunteer_minutes,
    volunteer_service_record,
)
from communities.models import FamilyMember, Resident
from communities.queries import communities_visible_to, residents_visible_to
from organizations.queries import membership_of
from sanlian.roles import FIELD_WORKERS, PEOPLE, RESIDENT_SIDE, STAFF, VOLUNTEER_ORGANIZERS, Role
from sanlian.view_helpers import (
    apply_domain_error,
    paginate,
    posted,
    predicate_required,
    role_required,
)
from socialworkers.forms import VolunteerFilterForm
from socialworkers.models import VolunteerTeam
from socialworkers.queries import (
    volunteer_teams_visible_to,
    volunteers_for_list,
    volunteers_visible_to,
)

# --- activities ----------------------------------------------------------------------------


@role_required(*PEOPLE)
def activity_list(request: HttpRequest) -> HttpResponse:
    upcoming = activities_visible_to(request.user).filter(
        status=Activity.Status.PUBLISHED, ends_at__gte=timezone.now()
    )
    mine = []
    if request.user.role in RESIDENT_SIDE:
        mine = signups_visible_to(request.user).exclude(status=Signup.Status.CANCELLED)
    context = {
        "page_obj": paginate(request, upcoming.order_by("starts_at", "pk")),
        "mine": mine,
        "can_publish": venues_for_publishing(request.user).exists(),
    }
    return render(request, "activities/activity_list.html", context)


@predicate_required(rules.may_publish_activities)
def activity_create(request: HttpRequest) -> HttpResponse:
    teams = VolunteerTeam.objects.filter(leader__user=request.user)
    form = ActivityForm(posted(request), venues=venues_for_publishing(request.user), teams=teams)
    if form.is_valid():
        data = dict(form.cleaned_data)
        membership = membership_of(request.user) if request.user.role == Role.ORGANIZATION else None
        try:
            activity = activity_domain.activity_publish(
                actor=request.user,
                organization=membership.organization if membership else None,
                **data,
            )
        except ValidationError as error:
            apply_domain_error(form, error)
        else:
            messages.success(request, _("活动已发布。"))
            return redirect("activities:detail", activity.pk)
    return render(request, "activities/form.html", {"form": form, "title": _("发布活动")})


def _acting_residents(request, activity):
    if request.user.role in RESIDENT_SIDE:
        return residents_visible_to(request.user)
    if request.user.role in STAFF:
        return residents_visible_to(request.user).filter(community=activity.community)
    return residents_visible_to(request.user).none()


@role_required(*PEOPLE)
def activity_detail(request: HttpRequest, pk: int) -> HttpResponse:
    activity = get_object_or_404(activities_visible_to(request.user), pk=pk)
    if request.user.role in STAFF:
        can_sign_up = rules.may_sign_up_at_the_desk(request.user, activity)
    else:  # the resident and their family: a handful of people, each checked
        acting = _acting_residents(request, activity)
        can_sign_up = any(rules.may_sign_up(request.user, activity, r) for r in acting)
    own = (
        signups_visible_to(request.user)
        .filter(activity=activity)
        .exclude(status=Signup.Status.CANCELLED)
    )
    context = {
        "activity": activity,
        "signup_form": ResidentChoiceForm(residents=_acting_residents(request, activity)),
        "can_sign_up": can_sign_up,
        "own_signups": [(s, rules.may_cancel_signup(request.user, s)) for s in own],
        "manages": rules.may_manage_activity(request.user, activity),
        "may_cancel": rules.cancel_activity_refusal(request.user, activity) is None,
        "waiting": own.filter(status=Signup.Status.WAITING).count(),
    }
    return render(request, "activities/activity_detail.html", context)


@require_POST
@predicate_required(rules.may_sign_up_residents)
def signup_create(request: HttpRequest, pk: int) -> HttpResponse:
    activity = get_object_or_404(activities_visible_to(request.user), pk=pk)
    form = ResidentChoiceForm(request.POST, residents=_acting_residents(request, activity))
    if not form.is_valid():
        messages.error(request, _("请选择要报名的居民。"))
        return redirect("activities:detail", pk)
    try:
        signup = activity_domain.signup_create(
            actor=request.user, activity=activity, resident=form.cleaned_data["resident"]
        )
    except ValidationError as error:
        messages.error(request, rules.refusal_text(error))
    else:
        if signup.status == Signup.Status.WAITING:
            messages.warning(request, _("名额已满，已进入候补名单；有人取消时会自动转正并通知您。"))
        else:
            messages.success(request, _("报名成功。"))
    return redirect("activities:detail", pk)


@require_POST
@role_required(*PEOPLE)
def signup_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    signup = get_object_or_404(signups_visible_to(request.user), pk=pk)
    try:
        activity_domain.signup_cancel(actor=request.user, signup=signup)
    except ValidationError as error:
        messages.error(request, rules.refusal_text(error))
    else:
        messages.success(request, _("已取消报名。"))
    return redirect("activities:detail", signup.activity_id)


@role_required(*PEOPLE)
def activity_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    activity = get_object_or_404(activities_managed_by(request.user), pk=pk)
    form = ReasonForm(posted(request))
    if form.is_valid():
        try:
            activity_domain.activity_cancel(
                actor=request.user, activity=activity, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            apply_domain_error(form, error)
        else:
            messages.success(request, _("活动已取消。"))
            return redirect("activities:detail", pk)
    return render(request, "activities/form.html", {"form": form, "title": _("取消活动")})


@role_required(*PEOPLE)
def door_list(request: HttpRequest, pk: int) -> HttpResponse:
    """The attendance list at the door, sized for a phone."""
    activity = get_object_or_404(activities_managed_by(request.user), pk=pk)
    signups = activity.signups.select_related("resident").exclude(status=Signup.Status.CANCELLED)
    context = {"activity": activity, "signups": signups}
    return render(request, "activities/door_list.html", context)


@require_POST
@role_required(*PEOPLE)
def signup_attend(request: HttpRequest, pk: int) -> HttpResponse:
    signup = get_object_or_404(signups_visible_to(request.user), pk=pk)
    error = None
    try:
        signup = activity_domain.signup_mark_attended(actor=request.user, signup=signup)
    except ValidationError as refusal:
        error = rules.refusal_text(refusal)
    if request.headers.get("HX-Request"):
        return render(request, "activities/_door_row.html", {"signup": signup, "error": error})
    if error:
        messages.error(request, error)
    return redirect("activities:door", signup.activity_id)


@role_required(*RESIDENT_SIDE)
def feedback(request: HttpRequest, pk: int) -> HttpResponse:
    signup = get_object_or_404(signups_visible_to(request.user), pk=pk)
    form = FeedbackForm(posted(request))
    if form.is_valid():
        try:
            activity_domain.activity_feedback_give(
                actor=request.user, signup=signup, **form.cleaned_data
            )
        except ValidationError as error:
            apply_domain_error(form, error)
        else:
            messages.success(request, _("谢谢您的评价。"))
            return redirect("activities:list")
    title = _("评价活动：%(activity)s") % {"activity": signup.activity.title}
    return render(request, "activities/form.html", {"form": form, "title": title})


@role_required(*PEOPLE)
def venue_calendar(request: HttpRequest, pk: int) -> HttpResponse:
    venue = get_object_or_404(venues_visible_to(request.user), pk=pk)
    start = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    bookings = venue_bookings(venue, start=start, end=start + datetime.timedelta(days=28))
    days: dict = {}
    for booking in bookings:
        days.setdefault(timezone.localdate(booking.starts_at), []).append(booking)
    context = {"venue": venue, "days": sorted(days.items())}
    return render(request, "activities/venue_calendar.html", context)


# --- volunteer service ---------------------------------------------------------------------


@role_required(*PEOPLE)
def post_list(request: HttpRequest) -> HttpResponse:
    posts = posts_visible_to(request.user).prefetch_related("shifts__signups")
    volunteer = (
        getattr(request.user, "volunteer", None) if request.user.role == Role.VOLUNTEER else None
    )
    context = {
        "posts": [(post, rules.may_manage_posts(request.user, post.community)) for post in posts],
        "volunteer": volunteer,
        "can_manage": communities_visible_to(request.user).exists()
        and request.user.role in VOLUNTEER_ORGANIZERS,
        "now": timezone.now(),
    }
    return render(request, "activities/post_list.html", context)


@role_required(*VOLUNTEER_ORGANIZERS)
def post_create(request: HttpRequest) -> HttpResponse:
    form = PostForm(posted(request), communities=communities_visible_to(request.user))
    if form.is_valid():
        try:
            volunteering.post_create(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_domain_error(form, error)
        else:
            return redirect("activities:post_list")
    return render(request, "activities/form.html", {"form": form, "title": _("新建志愿岗位")})


@role_required(*VOLUNTEER_ORGANIZERS)
def shift_create(request: HttpRequest, pk: int) -> HttpResponse:
    post = get_object_or_404(posts_visible_to(request.user), pk=pk)
    form = ShiftForm(posted(request))
    if form.is_valid():
        try:
            volunteering.shift_add(actor=request.user, post=post, **form.cleaned_data)
        except ValidationError as error:
            apply_domain_error(form, error)
        else:
            return redirect("activities:post_list")
    title = _("新增班次：%(post)s") % {"post": post}
    return render(request, "activities/form.html", {"form": form, "title": title})


@require_POST
@role_required(Role.VOLUNTEER)
def shift_sign_up(request: HttpRequest, pk: int) -> HttpResponse:
    shift = get_object_or_404(Shift.objects.filter(post__in=posts_visible_to(request.user)), pk=pk)
    volunteer = get_object_or_404(volunteers_visible_to(request.user), user=request.user)
    try:
        volunteering.shift_sign_up(actor=request.user, shift=shift, volunteer=volunteer)
    except ValidationError as error:
        messages.error(request, rules.refusal_text(error))
    else:
        messages.success(request, _("已报名该班次。"))
    return redirect("activities:post_list")


@role_required(*VOLUNTEER_ORGANIZERS)
def shift_detail(request: HttpRequest, pk: int) -> HttpResponse:
    shift = get_object_or_404(
        Shift.objects.select_related("post__community").filter(
            post__in=posts_visible_to(request.user)
        ),
        pk=pk,
    )
    signups = shift.signups.filter(cancelled_at__isnull=True).select_related("volunteer", "credit")
    rows = [(s, rules.may_credit_shift(request.user, s), hasattr(s, "credit")) for s in signups]
    return render(request, "activities/shift_detail.html", {"shift": shift, "rows": rows})


@require_POST
@role_required(*VOLUNTEER_ORGANIZERS)
def shift_credit(request: HttpRequest, pk: int) -> HttpResponse:
    signup = get_object_or_404(shift_signups_visible_to(request.user), pk=pk)
    try:
        volunteering.shift_attendance_credit(actor=request.user, signup=signup)
    except ValidationError as error:
        messages.error(request, rules.refusal_text(error))
    return redirect("activities:shift_detail", signup.shift_id)


@role_required(*STAFF, *FIELD_WORKERS)
def volunteer_list(request: HttpRequest) -> HttpResponse:
    """Volunteers with hours served, searchable by the survey's skill categories (摸底)."""
    form = VolunteerFilterForm(request.GET or None, teams=volunteer_teams_visible_to(request.user))
    filters = form.cleaned_data if form.is_valid() else {}
    skill, team = filters.get("skill"), filters.get("team")
    volunteers = volunteers_for_list(
        request.user,
        search=filters.get("q", ""),
        skill_id=skill.pk if skill else None,
        team_id=team.pk if team else None,
    )
    page = paginate(request, volunteers)
    minutes = volunteer_minutes([volunteer.pk for volunteer in page])
    rows = [(volunteer, f"{minutes[volunteer.pk] / 60:.1f}") for volunteer in page]
    context = {"form": form, "page_obj": page, "rows": rows}
    return render(request, "activities/volunteer_list.html", context)


def _record_context(request, pk):
    volunteer = get_object_or_404(volunteers_visible_to(request.user), pk=pk)
    return {
        "volunteer": volunteer,
        "record": volunteer_service_record(volunteer),
        "today": timezone.localdate(),
    }


@login_required
def volunteer_record(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, "activities/volunteer_record.html", _record_context(request, pk))


@login_required
def volunteer_certificate(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, "activities/certificate.html", _record_context(request, pk))


# --- time bank -----------------------------------------------------------------------------


@predicate_required(rules.may_use_time_bank)
def time_bank(request: HttpRequest) -> HttpResponse:
    records = help_records_visible_to(request.user)
    context = {
        "can_report": rules.may_report_help(request.user),
        "accounts": time_bank_accounts_visible_to(request.user)[:100],
        "pending": [
            (r, rules.may_confirm_help(request.user, r))
            for r in records.filter(status=HelpRecord.Status.REPORTED)[:100]
        ],
        "entries": TimeBankEntry.objects.filter(
            account__in=time_bank_accounts_visible_to(request.user).values("pk")
        ).select_related("account__resident", "beneficiary")[:50],
    }
    return render(request, "activities/time_bank.html", context)


@role_required(*STAFF)
def help_report(request: HttpRequest) -> HttpResponse:
    residents = residents_visible_to(request.user).filter(anonymised_at__isnull=True)
    form = HelpForm(posted(request), helpers=residents, neighbours=residents)
    if form.is_valid():
        try:
            timebank.help_report(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_domain_error(form, error)
        else:
            messages.success(request, _("已登记，待社区确认后计入时间银行。"))
            return redirect("activities:time_bank")
    return render(request, "activities/form.html", {"form": form, "title": _("登记邻里互助")})


@require_POST
@role_required(*STAFF)
def help_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    record = get_object_or_404(help_records_visible_to(request.user), pk=pk)
    try:
        timebank.help_confirm(actor=request.user, help_record=record)
    except ValidationError as error:
        messages.error(request, rules.refusal_text(error))
    else:
        messages.success(request, _("已确认，时长已计入服务者的时间银行。"))
    return redirect("activities:time_bank")


@role_required(*STAFF, Role.RESIDENT)
def time_bank_spend(request: HttpRequest, pk: int) -> HttpResponse:
    account = get_object_or_404(time_bank_accounts_visible_to(request.user), pk=pk)
    holder = account.resident
    family = FamilyMember.objects.filter(user_id=holder.user_id).values("resident_id")
    beneficiaries = Resident.objects.filter(Q(pk=holder.pk) | Q(pk__in=family))
    form = SpendForm(posted(request), beneficiaries=beneficiaries)
    if form.is_valid():
        try:
            timebank.time_bank_spend(actor=request.user, holder=holder, **form.cleaned_data)
        except ValidationError as error:
            apply_domain_error(form, error)
        else:
            messages.success(request, _("已兑换。"))
            return redirect("activities:time_bank")
    title = _("兑换时间：%(name)s（余额 %(hours)s 小时）") % {
        "name": holder.name,
        "hours": timebank.hours(account.balance_minutes),
    }
    return render(request, "activities/form.html", {"form": form, "title": title})


# --- suggestions ---------------------------------------------------------------------------


@role_required(*PEOPLE)
def suggestion_list(request: HttpRequest) -> HttpResponse:
    suggestions = suggestions_visible_to(request.user)
    page = paginate(request, suggestions)
    context = {
        "page_obj": page,
        "rows": [
            (
                s,
                rules.may_answer_suggestion(request.user, s),
                rules.may_close_suggestion(request.user, s),
            )
            for s in page
        ],
        "can_post": rules.may_post_suggestions(request.user),
    }
    return render(request, "activities/suggestion_list.html", context)


@role_required(*RESIDENT_SIDE, Role.ORGANIZATION)
def suggestion_create(request: HttpRequest) -> HttpResponse:
    form = SuggestionForm(posted(request), communities=communities_visible_to(request.user))
    if form.is_valid():
        try:
            suggestion_domain.suggestion_post(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_domain_error(form, error)
        else:
            messages.success(request, _("谢谢您的建议，社区会尽快答复。"))
            return redirect("activities:suggestion_list")
    return render(request, "activities/form.html", {"form": form, "title": _("建言献策")})


@role_required(*STAFF)
def suggestion_answer(request: HttpRequest, pk: int) -> HttpResponse:
    suggestion = get_object_or_404(suggestions_visible_to(request.user), pk=pk)
    form = AnswerForm(posted(request))
    if form.is_valid():
        try:
            suggestion_domain.suggestion_answer(
                actor=request.user, suggestion=suggestion, answer=form.cleaned_data["answer"]
            )
        except ValidationError as error:
            apply_domain_error(form, error)
        else:
            return redirect("activities:suggestion_list")
    title = _("答复：%(title)s") % {"title": suggestion.title}
    return render(request, "activities/form.html", {"form": form, "title": title})


@require_POST
@role_required(*STAFF)
def suggestion_close(request: HttpRequest, pk: int) -> HttpResponse:
    suggestion = get_object_or_404(suggestions_visible_to(request.user), pk=pk)
    try:
        suggestion_domain.suggestion_close(actor=request.user, suggestion=suggestion)
    except ValidationError as error:
        messages.error(request, rules.refusal_text(error))
    return redirect("activities:suggestion_list")


# --- rosters -------------------------------------------------------------------------------


@role_required(*STAFF)
def roster_template(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(
        rosters.roster_template(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = 'attachment; filename="residents-template.xlsx"'
    return response


@role_required(*STAFF)
def roster_import(request: HttpRequest) -> HttpResponse:
    """One form, two buttons: "dry run" reports, "import" writes all rows or none."""
    form = RosterForm(posted(request), request.FILES or None)
    report = None
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            rows = rosters.roster_read(name=upload.name, content=upload.read())
            if "commit" in request.POST:
                report = rosters.roster_import(actor=request.user, rows=rows)
                messages.success(request, _("已导入 %(n)s 位居民。") % {"n": len(report.residents)})
            else:
                report = rosters.roster_check(actor=request.user, rows=rows)
        except ValidationError as error:
            apply_domain_error(form, error)
    return render(request, "activities/roster_import.html", {"form": form, "report": report})


# --- QR check-in ---------------------------------------------------------------------------


@role_required(*RESIDENT_SIDE)
def checkin_qr(request: HttpRequest, pk: int) -> HttpResponse:
    """The resident's QR code for the door: a phone camera opens the check-in page with it."""
    signup = get_object_or_404(
        signups_visible_to(request.user).filter(status=Signup.Status.CONFIRMED), pk=pk
    )
    url = request.build_absolute_uri(
        reverse("activities:checkin", args=[signup_checkin_token(signup)])
    )
    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="svg", scale=6, border=2)
    return HttpResponse(out.getvalue(), content_type="image/svg+xml")


@role_required(*PEOPLE)
def checkin(request: HttpRequest, token: str) -> HttpResponse:
    signup = signup_by_checkin_token(request.user, token)
    if signup is None:
        raise Http404
    error = None
    if request.method == "POST":
        try:
            signup = activity_domain.signup_mark_attended(actor=request.user, signup=signup)
        except ValidationError as refusal:
            error = rules.refusal_text(refusal)
    context = {"signup": signup, "error": error}
    return render(request, "activities/checkin.html", context)
