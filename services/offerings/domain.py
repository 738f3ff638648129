"""Writes for offerings: publish, edit, pause and resume, with their weekly capacity."""

import datetime
from collections.abc import Iterable
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from communities.models import Community, Venue
from organizations.domain import require_member
from organizations.models import (
    Agreement,
    Organization,
)
from organizations.queries import (
    communities_open_to,
)
from organizations.rules import may_manage_offerings
from sanlian.audit import audit_record, snapshot
from sanlian.models import AuditEntry
from services.offerings.models import (
    CareMode,
    OfferingWeek,
    OfferingWindow,
    PriceClass,
    ServiceOffering,
    ServiceType,
    week_start_of,
)

_OFFERING_AUDIT_FIELDS = ["service_type", "weekly_capacity", "price_class", "price_fen"]


def _price_fen(*, price_class: str, price_yuan: Decimal | None) -> int:
    if price_class == PriceClass.FREE:
        if price_yuan:
            raise ValidationError({"price_yuan": _("免费项目不能填写价格。")})
        return 0
    if price_yuan is None or price_yuan <= 0:
        raise ValidationError({"price_yuan": _("补贴或有偿项目请填写大于0的价格。")})
    fen = price_yuan * 100
    if fen != fen.to_integral_value():
        raise ValidationError({"price_yuan": _("价格最多精确到分。")})
    return int(fen)


def _check_offering_venue(
    *, organization: Organization, service_type: ServiceType, venue: Venue | None
) -> None:
    if venue is None:
        if service_type.care_mode == CareMode.DAY_CARE:
            raise ValidationError({"venue": _("日托服务必须选择已签约社区的场地。")})
        return
    agreed = Agreement.objects.filter(
        organization=organization, community_id=venue.community_id, status=Agreement.Status.ACTIVE
    )
    if not agreed.exists():
        raise ValidationError({"venue": _("场地必须属于与本组织签有生效协议的社区。")})


def _check_windows(windows) -> list[tuple[int, datetime.time, datetime.time]]:
    windows = sorted(set(windows))
    if not windows:
        raise ValidationError({"weekdays": _("请至少选择一天和一个时段。")})
    for weekday, start, end in windows:
        if not 0 <= weekday <= 6:
            raise ValidationError({"weekdays": _("星期无效。")})
        if end <= start:
            raise ValidationError({"end_time": _("结束时间必须晚于开始时间。")})
    return windows


@transaction.atomic
def offering_publish(
    *,
    organization: Organization,
    actor,
    service_type: ServiceType,
    communities: Iterable[Community],
    weekly_capacity: int,
    price_class: str,
    price_yuan: Decimal | None,
    windows: Iterable[tuple[int, datetime.time, datetime.time]],
    venue: Venue | None = None,
    description: str = "",
) -> ServiceOffering:
    """Publish an offering with its weekly windows (weekday 0 = Monday)."""
    require_member(organization=organization, actor=actor)
    if not may_manage_offerings(actor, organization):
        raise ValidationError(_("只有已批准的组织可以发布服务项目。"))
    communities, windows = _check_offering_input(
        organization=organization,
        service_type=service_type,
        communities=communities,
        weekly_capacity=weekly_capacity,
        venue=venue,
        windows=windows,
    )
    offering = ServiceOffering(
        organization=organization,
        service_type=service_type,
        venue=venue,
        weekly_capacity=weekly_capacity,
        price_class=price_class,
        price_fen=_price_fen(price_class=price_class, price_yuan=price_yuan),
        description=description,
    )
    offering.full_clean()
    offering.save()
    offering.communities.set(communities)
    _offering_set_windows(offering=offering, windows=windows)
    audit_record(
        actor=actor,
        instance=offering,
        action=AuditEntry.Action.CREATE,
        after=snapshot(offering, _OFFERING_AUDIT_FIELDS),
    )
    return offering


def _check_offering_input(
    *,
    organization: Organization,
    service_type: ServiceType,
    communities: Iterable[Community],
    weekly_capacity: int,
    venue: Venue | None,
    windows,
) -> tuple[list[Community], list[tuple[int, datetime.time, datetime.time]]]:
    """The rules an offering meets when published and after every edit."""
    communities = list(communities)
    if not communities:
        raise ValidationError({"communities": _("请至少选择一个服务社区。")})
    allowed = set(communities_open_to(organization).values_list("pk", flat=True))
    if any(community.pk not in allowed for community in communities):
        raise ValidationError({"communities": _("只能选择已签约或登记时意向服务的社区。")})
    if weekly_capacity is None or weekly_capacity < 1:
        raise ValidationError({"weekly_capacity": _("每周服务人次至少为1。")})
    _check_offering_venue(organization=organization, service_type=service_type, venue=venue)
    return communities, _check_windows(windows)


def _offering_set_windows(*, offering: ServiceOffering, windows) -> None:
    offering.windows.all().delete()
    OfferingWindow.objects.bulk_create(
        OfferingWindow(offering=offering, weekday=day, start_time=start, end_time=end)
        for day, start, end in windows
    )


def _offering_weeks_resize(*, offering: ServiceOffering, weekly_capacity: int) -> None:
    """This week's and later weeks' capacity follows the offering, never below what is booked."""
    weeks = OfferingWeek.objects.select_for_update().filter(
        offering=offering, week_start__gte=week_start_of(timezone.localdate())
    )
    booked = max((week.reserved for week in weeks), default=0)
    if booked > weekly_capacity:
        raise ValidationError(
            {
                "weekly_capacity": _(
                    "已有一周预订了%(booked)s人次，每周服务人次不能少于%(booked)s。"
                )
                % {"booked": booked}
            }
        )
    weeks.update(capacity=weekly_capacity)


@transaction.atomic
def offering_update(
    *,
    offering: ServiceOffering,
    actor,
    service_type: ServiceType,
    communities: Iterable[Community],
    weekly_capacity: int,
    price_class: str,
    price_yuan: Decimal | None,
    windows: Iterable[tuple[int, datetime.time, datetime.time]],
    venue: Venue | None = None,
    description: str = "",
) -> ServiceOffering:
    """Edit a published offering under the rules of `offering_publish`; windows are replaced."""
    organization = offering.organization
    require_member(organization=organization, actor=actor)
    if not may_manage_offerings(actor, organization):
        raise ValidationError(_("只有已批准的组织可以修改服务项目。"))
    communities, windows = _check_offering_input(
        organization=organization,
        service_type=service_type,
        communities=communities,
        weekly_capacity=weekly_capacity,
        venue=venue,
        windows=windows,
    )
    offering = ServiceOffering.objects.select_for_update().get(pk=offering.pk)
    before = _offering_state(offering)
    offering.service_type = service_type
    offering.venue = venue
    offering.weekly_capacity = weekly_capacity
    offering.price_class = price_class
    offering.price_fen = _price_fen(price_class=price_class, price_yuan=price_yuan)
    offering.description = description
    offering.full_clean()
    _offering_weeks_resize(offering=offering, weekly_capacity=weekly_capacity)
    offering.save()
    offering.communities.set(communities)
    _offering_set_windows(offering=offering, windows=windows)
    audit_record(
        actor=actor,
        instance=offering,
        action=AuditEntry.Action.CHANGE,
        before=before,
        after=_offering_state(offering),
    )
    return offering


def _offering_state(offering: ServiceOffering) -> dict:
    state = snapshot(offering, [*_OFFERING_AUDIT_FIELDS, "venue", "description"])
    state["communities"] = sorted(offering.communities.values_list("pk", flat=True))
    state["windows"] = [str(window) for window in offering.windows.all()]
    return state


def _offering_set_status(*, offering: ServiceOffering, actor, status: str) -> ServiceOffering:
    require_member(organization=offering.organization, actor=actor)
    if offering.status == status:
        raise ValidationError(_("服务项目已经是该状态。"))
    before = snapshot(offering, ["status"])
    offering.status = status
    offering.save(update_fields=["status"])
    audit_record(
        actor=actor,
        instance=offering,
        action=AuditEntry.Action.STATUS,
        before=before,
        after=snapshot(offering, ["status"]),
    )
    return offering


@transaction.atomic
def offering_pause(*, offering: ServiceOffering, actor) -> ServiceOffering:
    return _offering_set_status(
        offering=offering, actor=actor, status=ServiceOffering.Status.PAUSED
    )


@transaction.atomic
def offering_resume(*, offering: ServiceOffering, actor) -> ServiceOffering:
    if not may_manage_offerings(actor, offering.organization):
        require_member(organization=offering.organization, actor=actor)
        raise ValidationError(_("组织未处于已批准状态，不能恢复服务项目。"))
    return _offering_set_status(
        offering=offering, actor=actor, status=ServiceOffering.Status.ACTIVE
    )
