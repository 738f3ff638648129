import pytest

from sanlian.masking import mask_id_number, mask_phone


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("140105194203171234", "140105********1234"),
        ("11010519491231002X", "110105********002X"),
        ("", ""),
        (None, ""),
    ],
)
def test_mask_id_number_keeps_first_six_and_last_four(value, masked):
    assert mask_id_number(value) == masked


@pytest.mark.parametrize(
    ("value", "masked"),
    [("13812341234", "138****1234"), ("", ""), (None, ""), ("12345", "*****")],
)
def test_mask_phone_keeps_first_three_and_last_four(value, masked):
    assert mask_phone(value) == masked
