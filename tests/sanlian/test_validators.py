import pytest
from django.core.exceptions import ValidationError

from sanlian.validators import (
    credit_code_check_char,
    resident_id_check_char,
    validate_credit_code,
    validate_mobile,
    validate_resident_id,
)


def _with_check(first17: str) -> str:
    return first17 + resident_id_check_char(first17)


def _code_with_check(first17: str) -> str:
    return first17 + credit_code_check_char(first17)


# The published sample from GB 11643 and a Taiyuan (小店区 140105) number ending in X.
VALID_IDS = [
    "11010519491231002X",
    _with_check("44052419800101001"),
    _with_check("14010519420317123"),
    _with_check("14010619991231000"),
]


@pytest.mark.parametrize("value", VALID_IDS)
def test_resident_id_valid_values_pass(value):
    validate_resident_id(value)


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("11010519491231002", "length"),  # 17 characters
        ("1101051949123100200", "length"),  # 19 characters
        ("", "length"),
        ("110105194912310021", "checksum"),  # wrong check digit (should be X)
        ("11010519491231002x", "characters"),  # lower-case x is not the standard form
        ("01010519491231002X", "characters"),  # region code cannot start with 0
        ("1101051949123100２X", "characters"),  # full-width digit
        ("110105194912310٠2X", "characters"),  # Arabic-Indic digit: \d would accept it
        ("1101051949A231002X", "characters"),
        (_with_check("14010519420230123"), "birth_date"),  # 30 February
        (_with_check("14010519421301123"), "birth_date"),  # month 13
        (_with_check("14010518990101123"), "birth_date"),  # before 1900
        (_with_check("14010530990101123"), "birth_date"),  # in the future
    ],
)
def test_resident_id_invalid_values_fail_with_reason(value, code):
    with pytest.raises(ValidationError) as caught:
        validate_resident_id(value)
    assert caught.value.code == code


def test_resident_id_every_wrong_check_digit_fails():
    good = VALID_IDS[2]
    for char in "0123456789X":
        if char != good[-1]:
            with pytest.raises(ValidationError):
                validate_resident_id(good[:-1] + char)


def test_resident_id_leap_day_is_a_real_birth_date_only_in_leap_years():
    validate_resident_id(_with_check("14010519400229123"))
    with pytest.raises(ValidationError):
        validate_resident_id(_with_check("14010519410229123"))


VALID_CODES = [
    "91350100M000100Y43",  # a published sample
    "91110000600037341L",
    _code_with_check("52140105MJ0000001"),
]


@pytest.mark.parametrize("value", VALID_CODES)
def test_credit_code_valid_values_pass(value):
    validate_credit_code(value)


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("91350100M000100Y4", "length"),
        ("91350100M000100Y433", "length"),
        ("91350100M000100Y44", "checksum"),
        ("91350100M000100I43", "characters"),  # I is not in the GB 32100 alphabet
        ("91350100M000100O43", "characters"),  # nor O
        ("91350100M000100Z43", "characters"),  # nor Z
        ("9135010０M000100Y43", "characters"),  # full-width zero
        ("91350100m000100Y43", "characters"),  # lower case
        ("913501A0M000100Y43", "characters"),  # region part must be digits
    ],
)
def test_credit_code_invalid_values_fail_with_reason(value, code):
    with pytest.raises(ValidationError) as caught:
        validate_credit_code(value)
    assert caught.value.code == code


@pytest.mark.parametrize("value", ["13812345678", "19912345678", "15000000000", "17712345678"])
def test_mobile_valid_values_pass(value):
    validate_mobile(value)


@pytest.mark.parametrize(
    "value",
    [
        "1381234567",  # 10 digits
        "138123456789",  # 12 digits
        "12812345678",  # no 12x prefix
        "23812345678",
        "1381234567٨",  # Arabic-Indic digit
        "１３８12345678",  # full-width digits
        "138-1234-5678",
        "+8613812345678",
        "",
    ],
)
def test_mobile_invalid_values_fail(value):
    with pytest.raises(ValidationError):
        validate_mobile(value)
