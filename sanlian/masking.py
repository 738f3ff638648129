"""Masking of personal identifiers for display, exports and logs (GB/T 35273)."""


def mask_id_number(value: str | None) -> str:
    """Keep the first 6 (region) and last 4 characters: 140105********1234."""
    if not value:
        return ""
    if len(value) <= 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_phone(value: str | None) -> str:
    """Keep the first 3 and last 4 digits: 138****1234."""
    if not value:
        return ""
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]
