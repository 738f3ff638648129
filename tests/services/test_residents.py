"""Registering a resident with consent: both rows or neither."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from communities.domain import resident_register
from communities.models import Consent, Resident
from tests import factories as f


def _register(cast, **overrides):
    birth = datetime.date(1938, 12, 31)
    data = {
        "actor": cast.community_staff,
        "community": cast.community,
        "name": "孙玉梅",
        "sex": "F",
        "birth_date": birth,
        "id_number": f.resident_id("140105", birth, 55),
        "phone": "13811112222",
        "address": "桃园南路1号",
        "living_situation": "alone",
        "consent_given_by": "self",
        **overrides,
    }
    return resident_register(**data)


def test_resident_register_stores_resident_and_hotline_consent(cast):
    resident = _register(cast)

    consent = Consent.objects.get(resident=resident)
    assert resident.phone_last4 == "2222"
    assert consent.channel == Consent.Channel.HOTLINE
    assert consent.withdrawn_at is None


def test_resident_register_with_bad_consent_stores_nothing(cast):
    with pytest.raises(ValidationError):
        _register(cast, consent_given_by="guardian", guardian_name="")

    assert not Resident.objects.filter(name="孙玉梅").exists()
    assert Consent.objects.count() == 0


def test_resident_register_duplicate_id_number_stores_nothing(cast):
    _register(cast)

    with pytest.raises(ValidationError):
        _register(cast, name="另一个人", phone="13833334444")
    assert Resident.objects.filter(name="另一个人").count() == 0
