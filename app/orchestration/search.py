"""What staff search, normalised: the one place that decides when two spellings are the same.

Plain functions, used on both sides of every search:
- writes: `customer_text` / `vehicle_text` give the stored search columns (customers.search_text,
  vehicles.search_text), kept current by the models' mapper events (app/models/search.py) on every
  ORM write (console, API, CSV import, sync) and filled for existing rows by the migration;
- queries: `query_keys` turns what staff typed into the keys app/records/search.py looks for in
  those columns (a substring match, served by trigram indexes on PostgreSQL).

What counts as the same:
- text: case and accents do not matter ("Ordóñez" = "ordonez" = "ORDONEZ"; ñ is n);
- plates: dashes and spaces do not matter ("UCC-8299" = "UCC8299" = "ucc 8299");
- phones: only digits count, stored in international form (E.164 digits without '+'); a national
  number typed with its leading 0 gets the default country code ("0968367322" finds "+593968367322"),
  and any run of 4+ digits finds the numbers containing it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from app.orchestration.contacts import normalise_phone, normalise_plate

# Ecuador, when no setting says otherwise (WHATSAPP_DEFAULT_COUNTRY_CODE).
DEFAULT_COUNTRY_CODE = "593"
_SPACES = re.compile(r"\s+")
_NON_DIGITS = re.compile(r"\D+")
_PHONE_TYPED = re.compile(r"^\+?[0-9\s().\-/]+$")
MIN_PHONE_DIGITS = 4
# Letters and digits, both, at most 10: what a plate typed in pieces looks like once joined.
_PLATE_LIKE = re.compile(r"^(?=.*[a-z])(?=.*[0-9])[a-z0-9]{2,10}$")


def fold(text: str | None) -> str:
    """Lower case, no accents, single spaces: 'Ordóñez  Peña' -> 'ordonez pena'."""
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFKD", str(text))
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SPACES.sub(" ", bare.casefold()).strip()


def plate_key(text: str | None) -> str:
    """A plate as it is searched: 'UCC-8299', 'ucc 8299' -> 'ucc8299' (the stored plate, lower case)."""
    return fold(normalise_plate(text or ""))


def phone_key(raw: str | None, country_code: str = DEFAULT_COUNTRY_CODE) -> str:
    """A stored phone as it is searched: E.164 digits ('0968367322' -> '593968367322'); the bare
    digits when the number is too short or too long to be one."""
    if not raw:
        return ""
    return normalise_phone(raw, country_code) or _NON_DIGITS.sub("", raw)


def customer_text(first_name: str | None, last_name: str | None, email: str | None, customer_id: str | None,
                  phones: tuple[str | None, ...], country_code: str = DEFAULT_COUNTRY_CODE) -> str:
    """customers.search_text: name, email, customer id and phones, each normalised."""
    keys = dict.fromkeys(key for key in (phone_key(p, country_code) for p in phones) if key)
    parts = [fold(first_name), fold(last_name), fold(email), fold(customer_id), *keys]
    return " ".join(part for part in parts if part)


def vehicle_text(plate: str | None, brand: str | None, model: str | None, year: int | None,
                 core_vehicle_id: str | None = None) -> str:
    """vehicles.search_text: plate, brand, model, year and the core system's vehicle id."""
    parts = [plate_key(plate), fold(brand), fold(model), str(year) if year else "", fold(core_vehicle_id)]
    return " ".join(part for part in parts if part)


@dataclass(frozen=True)
class QueryKeys:
    """What one search looks for. A row matches when its search text contains every word, or the
    whole query read as a plate, or the whole query read as a phone."""

    words: tuple[str, ...]
    plate: str = ""
    phone: str = ""

    def __bool__(self) -> bool:
        return bool(self.words or self.plate or self.phone)


def query_keys(typed: str | None, country_code: str = DEFAULT_COUNTRY_CODE) -> QueryKeys:
    """Staff's search box -> QueryKeys ('' or blanks -> an empty QueryKeys, which matches nothing)."""
    text = (typed or "").strip()
    words = tuple(dict.fromkeys(fold(text).split()))
    # A plate typed with separators ('UCC-8299', 'ucc 8299') is also looked for as one piece.
    plate = plate_key(text)
    plate = plate if _PLATE_LIKE.match(plate) and plate not in words else ""
    return QueryKeys(words=words, plate=plate, phone=phone_query_key(text, country_code))


def phone_query_key(typed: str, country_code: str = DEFAULT_COUNTRY_CODE) -> str:
    """The digits a typed phone (or part of one) is looked for as, or '' when it is not one.

    '+593 96 836 7322' / '00593968367322' -> '593968367322' (international), '0968367322' ->
    '593968367322' (national: the leading 0 becomes the country code), '836-7322' -> '8367322' (a
    part of a number)."""
    text = typed.strip()
    if not _PHONE_TYPED.match(text):
        return ""
    digits = _NON_DIGITS.sub("", text)
    if digits.startswith("00") and not text.startswith("+"):
        digits = digits[2:]
    elif digits.startswith("0") and not text.startswith("+"):
        digits = country_code + digits.lstrip("0")
    return digits if len(digits) >= MIN_PHONE_DIGITS else ""
