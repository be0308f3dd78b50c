import pytest

from app.orchestration.contacts import is_valid_email, normalise_phone, normalise_plate


@pytest.mark.parametrize("raw, expected", [
    ("+593 99-123-4567", "593991234567"),
    ("0991234567", "593991234567"),
    ("991234567", "593991234567"),
    ("(099) 123 4567", "593991234567"),
    ("+1 415 555 0100", "14155550100"),
    ("0057 300 1234567", "573001234567"),
    ("", ""),
    ("abc", ""),
])
def test_normalise_phone(raw, expected):
    assert normalise_phone(raw) == expected


def test_email_validation():
    assert is_valid_email("ana@taller.ec") and not is_valid_email("ana@") and not is_valid_email("")


@pytest.mark.parametrize("raw", ["ABC123", "abc-123", "ABC 123", " abc\u2010123 "])
def test_plates_are_normalised_to_one_form(raw):
    assert normalise_plate(raw) == "ABC123"
