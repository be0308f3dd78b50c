"""Normalising contact addresses and vehicle plates (plain functions, shared by planning, the API,
the syncs and the adapters)."""

from __future__ import annotations

import re

_NON_DIGITS = re.compile(r"\D+")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PLATE_NOISE = re.compile(r"[\s\-\u2010-\u2015]+")


def normalise_plate(text: str) -> str:
    """'abc-123', 'ABC 123' and 'ABC123' are the same plate."""
    return _PLATE_NOISE.sub("", text).upper()


def normalise_phone(raw: str | None, default_country_code: str = "593") -> str:
    """E.164 digits without '+': '+593 99-123-4567' and '0991234567' both give '593991234567'.

    A number written with a leading '+' or '00' keeps its own country code; a national number
    (leading 0, or 9 digits or fewer) gets the default country code. Returns '' when nothing usable.
    """
    if not raw:
        return ""
    text = raw.strip()
    international = text.startswith("+") or text.startswith("00")
    digits = _NON_DIGITS.sub("", text)
    if text.startswith("00"):
        digits = digits[2:]
    if not digits:
        return ""
    if not international:
        if digits.startswith("0"):
            digits = default_country_code + digits.lstrip("0")
        elif len(digits) <= 9:
            digits = default_country_code + digits
    return digits if 8 <= len(digits) <= 15 else ""


def is_valid_email(value: str | None) -> bool:
    return bool(value) and bool(_EMAIL.match(value.strip()))
