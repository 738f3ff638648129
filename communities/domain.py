"""Writes on communities data: registering residents and their consent."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from communities.models import Community, Consent, Resident
from sanlian.audit import audit_record, snapshot

# A resident's own fields, in the order forms, the API and the history show them: the
# hotline registration form, the resident serializer, audit snapshots and the PIPL
# correction list (which leaves out `community`) all start from this one list.
RESIDENT_FIELDS = [
    "name",
    "sex",
    "birth_date",
    "id_number",
    "phone",
    "address",
    "community",
    "living_situation",
    "care_level",
    "low_income",
    "emergency_contact_name",
    "emergency_contact_phone",
]
RESIDENT_AUDIT_FIELDS = RESIDENT_FIELDS


def consent_record(
    *, resident: Resident, given_by: str, channel: str, actor, guardian_name: str = ""
) -> Consent:
    """Record a consent; someone other than the resident must be named (PIPL art. 31)."""
    if given_by != Consent.GivenBy.SELF and not guardian_name.strip():
        raise ValidationError({"guardian_name": _("请填写代为同意的监护人或家属姓名。")})
    consent = Consent(
        resident=resident,
        given_by=given_by,
        guardian_name=guardian_name.strip(),
        channel=channel,
        recorded_by=actor,
        given_at=timezone.now(),
    )
    consent.full_clean()
    consent.save()
    audit_record(
        actor=actor,
        instance=resident,
        action="change",
        after={"consent": f"{given_by}/{channel}"},
        reason=str(_("记录知情同意")),
    )
    return consent


@transaction.atomic
def resident_register(
    *,
    actor,
    community: Community,
    name: str,
    sex: str,
    birth_date: datetime.date,
    id_number: str,
    phone: str,
    address: str,
    living_situation: str,
    care_level: str = Resident.CareLevel.SELF_RELIANT,
    low_income: bool = False,
    emergency_contact_name: str = "",
    emergency_contact_phone: str = "",
    consent_given_by: str,
    guardian_name: str = "",
    consent_channel: str = Consent.Channel.HOTLINE,
) -> Resident:
    """Register a resident together with their consent: both rows or neither."""
    resident = Resident(
        community=community,
        name=name.strip(),
        sex=sex,
        birth_date=birth_date,
        id_number=id_number or None,
        phone=phone,
        address=address.strip(),
        living_situation=living_situation,
        care_level=care_level,
        low_income=low_income,
        emergency_contact_name=emergency_contact_name.strip(),
        emergency_contact_phone=emergency_contact_phone,
    )
    resident.full_clean()
    resident.save()
    audit_record(
        actor=actor,
        instance=resident,
        action="create",
        after=snapshot(resident, RESIDENT_AUDIT_FIELDS),
    )
    consent_record(
        resident=resident,
        given_by=consent_given_by,
        channel=consent_channel,
        actor=actor,
        guardian_name=guardian_name,
    )
    return resident
