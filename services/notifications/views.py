"""Pages of in-app notifications (everyone, own only) and failed reminders (staff)."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from services.models import ReminderPolicy
from services.notifications.channels import (
    notification_mark_read,
    notifications_mark_all_read,
    notifications_visible_to,
)
from services.notifications.desk import desk_call_record
from services.notifications.queries import desk_calls_visible_to, reminders_failed_visible_to
from services.notifications.reminders import (
    reminder_offsets,
    reminder_policy_update,
    reminder_retry,
)
from services.notifications.rules import (
    may_edit_reminder_policy,
    may_view_desk_calls,
    may_view_failed_reminders,
)

PAGE_SIZE = 20


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    notifications = notifications_visible_to(request.user)
    query = request.GET.get("q", "").strip()
    if query:
        notifications = notifications.filter(Q(title__icontains=query) | Q(body__icontains=query))
    if request.GET.get("unread") == "1":
        notifications = notifications.filter(read_at__isnull=True)
    page = Paginator(notifications, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "services/notifications/list.html",
        {"page_obj": page, "query": query, "unread_only": request.GET.get("unread") == "1"},
    )


@login_required
@require_POST
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    notification = get_object_or_404(notifications_visible_to(request.user), pk=pk)
    notification_mark_read(notification=notification, now=timezone.now())
    if notification.link and url_has_allowed_host_and_scheme(notification.link, allowed_hosts=None):
        return redirect(notification.link)
    return redirect("notifications:list")


@login_required
@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    count = notifications_mark_all_read(user=request.user, now=timezone.now())
    messages.success(request, _("已将 %(count)s 条通知标为已读。") % {"count": count})
    return redirect("notifications:list")


@login_required
def failed_reminder_list(request: HttpRequest) -> HttpResponse:
    if not may_view_failed_reminders(request.user):
        raise PermissionDenied
    reminders = reminders_failed_visible_to(request.user).order_by("-due_at", "-id")
    query = request.GET.get("q", "").strip()
    if query:
        reminders = reminders.filter(visit__request__resident__name__icontains=query)
    channel = request.GET.get("channel", "")
    if channel:
        reminders = reminders.filter(channel=channel)
    page = Paginator(reminders, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "services/notifications/failed_reminders.html",
        {"page_obj": page, "query": query, "channel": channel},
    )


@login_required
@require_POST
def failed_reminder_retry(request: HttpRequest, pk: int) -> HttpResponse:
    reminder = get_object_or_404(reminders_failed_visible_to(request.user), pk=pk)
    reminder_retry(reminder=reminder, actor=request.user)
    messages.success(request, _("提醒已重新排入发送队列。"))
    return redirect("notifications:failed_reminders")


class ReminderPolicyForm(forms.Form):
    offsets = forms.CharField(
        label=gettext_lazy("提前量（分钟，逗号分隔）"),
        max_length=60,
        help_text=gettext_lazy("例如 1440,60 表示提前 24 小时和 1 小时提醒。"),
    )


@login_required
def reminder_policy_edit(request: HttpRequest) -> HttpResponse:
    if not may_edit_reminder_policy(request.user):
        raise PermissionDenied
    initial = {"offsets": ",".join(str(offset) for offset in reminder_offsets())}
    form = ReminderPolicyForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            reminder_policy_update(offsets=form.cleaned_data["offsets"], actor=request.user)
        except ValidationError as error:
            form.add_error("offsets", error.message_dict.get("offsets", error.messages))
        else:
            messages.success(request, _("提醒设置已保存。"))
            return redirect("notifications:reminder_policy")
    policy = ReminderPolicy.objects.filter(pk=1).select_related("updated_by").first()
    return render(request, "services/notifications/policy.html", {"form": form, "policy": policy})


class DeskCallForm(forms.Form):
    call_note = forms.CharField(label=gettext_lazy("通话情况"), max_length=200)


@login_required
def desk_call_list(request: HttpRequest) -> HttpResponse:
    """People no reminder reached, to be phoned before their visit or activity, soonest
    first."""
    if not may_view_desk_calls(request.user):
        raise PermissionDenied
    calls = desk_calls_visible_to(request.user).filter(called_at__isnull=True)
    soonest = Coalesce("visit__scheduled_start", "signup__activity__starts_at")
    page = Paginator(calls.order_by(soonest, "id"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "services/notifications/desk_calls.html",
        {"page_obj": page, "form": DeskCallForm()},
    )


@login_required
@require_POST
def desk_call_called(request: HttpRequest, pk: int) -> HttpResponse:
    call = get_object_or_404(desk_calls_visible_to(request.user), pk=pk)
    form = DeskCallForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(form.errors.get("call_note") or _("请填写通话情况。"))
        desk_call_record(call=call, actor=request.user, note=form.cleaned_data["call_note"])
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("已记录电话通知。"))
    return redirect("notifications:desk_calls")
