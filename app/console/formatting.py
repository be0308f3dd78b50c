"""How staff read times and numbers: one helper each, registered as Jinja filters.

- Times: the workshop's local time (TIMEZONE), minutes (or seconds where asked), never
  microseconds nor an offset; each page says once which zone it shows (templates/admin/master.html).
- Numbers and percentages: Babel's format for the console's language ("54.598" and "89,1 %" in
  Spanish, "54,598" and "89.1%" in English).
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any
from zoneinfo import ZoneInfo

from babel.numbers import format_decimal, format_percent
from flask import Flask, current_app
from flask_babel import get_locale


def local_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config.get("TIMEZONE") or "UTC")


def to_local(value: Any) -> datetime | None:
    """An aware datetime (or ISO 8601 text) in the workshop's zone; naive values are taken as UTC."""
    if value in (None, ""):
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    if not isinstance(value, datetime):
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(local_zone())


def local_time(value: Any, seconds: bool = False, empty: str = "") -> str:
    """`2026-12-06 18:53` in TIMEZONE (with `:07` seconds when asked); dates as they are."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value.isoformat()
    local = to_local(value)
    if local is None:
        return empty
    return local.strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


def utc_iso(value: Any) -> str:
    """The machine-readable instant for <time datetime=...> (UTC, no microseconds)."""
    local = to_local(value)
    if local is None:
        return ""
    return local.astimezone(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def zone_label() -> str:
    """`America/Guayaquil (UTC−05:00)`: the zone every time on the page is shown in."""
    zone = local_zone()
    offset = datetime.now(zone).utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset is not None else 0
    sign = "+" if minutes >= 0 else "−"
    minutes = abs(minutes)
    return f"{zone.key} (UTC{sign}{minutes // 60:02d}:{minutes % 60:02d})"


def _locale() -> str:
    return str(get_locale() or "es")


def number(value: Any, digits: int | None = None) -> str:
    """A count or amount in the console language's format; None is a dash."""
    if value is None or value == "":
        return "—"
    if digits is not None:
        return format_decimal(value, format="#,##0." + "0" * digits if digits else "#,##0", locale=_locale())
    return format_decimal(value, locale=_locale())


def percent(value: Any, digits: int = 1) -> str:
    """A percentage given as 0-100 (89.1 -> "89,1 %" in Spanish); None is a dash."""
    if value is None or value == "":
        return "—"
    pattern = "#,##0." + "0" * digits + " %" if digits else "#,##0 %"
    text = format_percent(float(value) / 100, format=pattern, locale=_locale())
    return text if _locale() != "en" else text.replace(" %", "%").replace("\xa0%", "%")


def init_formatting(app: Flask) -> None:
    app.jinja_env.filters["localtime"] = local_time
    app.jinja_env.filters["utc_iso"] = utc_iso
    app.jinja_env.filters["number"] = number
    app.jinja_env.filters["percent"] = percent
    app.jinja_env.globals["console_zone_label"] = zone_label
