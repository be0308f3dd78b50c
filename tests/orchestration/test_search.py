"""The one normaliser of staff search (app/orchestration/search.py): stored texts and query keys."""

from __future__ import annotations

import pytest

from app.orchestration.search import (
    QueryKeys,
    customer_text,
    fold,
    phone_key,
    phone_query_key,
    plate_key,
    query_keys,
    vehicle_text,
)


@pytest.mark.parametrize(("typed", "folded"), [
    ("Ordóñez", "ordonez"), ("ORDÓÑEZ", "ordonez"), ("  José   Peña ", "jose pena"), ("Ñandú", "nandu"),
    ("Müller", "muller"), ("", ""), (None, ""),
])  # fmt: skip
def test_fold_drops_case_accents_and_extra_spaces(typed, folded):
    assert fold(typed) == folded


@pytest.mark.parametrize("typed", ["UCC-8299", "UCC8299", "ucc 8299", " ucc–8299 ", "Ucc - 8299"])
def test_plate_key_ignores_dashes_spaces_and_case(typed):
    assert plate_key(typed) == "ucc8299"


@pytest.mark.parametrize(("raw", "key"), [
    ("+593968367322", "593968367322"), ("0968367322", "593968367322"), ("+593 96-836-7322", "593968367322"),
    ("00593968367322", "593968367322"), ("+57 300 1234567", "573001234567"), ("123", "123"), ("", ""),
])  # fmt: skip
def test_phone_key_is_international_digits(raw, key):
    assert phone_key(raw) == key


def test_phone_key_uses_the_country_it_is_given():
    assert phone_key("0968367322", "57") == "57968367322"


@pytest.mark.parametrize(("typed", "key"), [
    ("0968367322", "593968367322"), ("+593968367322", "593968367322"), ("+593 96 836 7322", "593968367322"),
    ("00593968367322", "593968367322"), ("968367322", "968367322"), ("836-7322", "8367322"),
    ("(09) 683-67322", "593968367322"), ("123", ""), ("UCC-8299", ""), ("Ordóñez", ""),
])  # fmt: skip
def test_phone_query_key_reads_national_international_and_partial_numbers(typed, key):
    assert phone_query_key(typed) == key


def test_customer_text_holds_folded_name_email_id_and_international_phones():
    text = customer_text("José", "Ordóñez", "Jose@Example.com", "CUST-1", ("0968367322", "+593968367322"))
    assert text == "jose ordonez jose@example.com cust-1 593968367322"


def test_vehicle_text_holds_plate_without_dashes_brand_model_and_year():
    assert vehicle_text("UCC-8299", "Chevrolet", "Sail Sedán", 2019, "V-77") == "ucc8299 chevrolet sail sedan 2019 v-77"


def test_query_keys_of_a_name_without_accents_are_its_words():
    assert query_keys("Ordonez  JOSÉ") == QueryKeys(words=("ordonez", "jose"))


@pytest.mark.parametrize("typed", ["UCC-8299", "ucc 8299"])
def test_query_keys_of_a_plate_with_separators_include_the_whole_plate(typed):
    assert query_keys(typed).plate == "ucc8299"


def test_query_keys_of_a_national_phone_include_its_international_form():
    assert query_keys("0968367322").phone == "593968367322"


def test_query_keys_of_blanks_match_nothing():
    assert not query_keys("   ")
