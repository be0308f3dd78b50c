"""Delivery policy a workshop controls, as pure functions: send windows (weekly hours and closed
dates in the workshop's time zone), the spread of a window's opening backlog, scheduled sends, the
strategy, per-customer caps and appointment times. Plain data in, plain data out; times are aware
datetimes (UTC in, UTC out) and local wall times are computed with `zoneinfo`, so a change to or
from daylight saving time moves the UTC instant, never the local opening hour.

The order the rules apply in (docs/ORCHESTRATION.md, "Delivery policy"):
1. strategy: `all` plans every channel, `first_available` only the first usable one;
2. `send_at`: a message is not due before it (past or within a minute: now);
3. urgent messages (phase flagged urgent, custom events with priority "urgent") skip 4 and 5; a
   phase urgent only "until" a local hour (e.g. 21:00) skips 4 only from the day's opening until
   that hour (the day's window is lengthened), and outside it waits like a normal message;
4. send window: a message due outside its channel's hours waits for the next opening, and the
   opening's backlog is spread at the channel's rate;
5. per-customer cap, checked when the message is about to go out: over the cap it waits until the
   rolling window allows it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Mapping
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from app.orchestration.search import fold

STRATEGIES = ("all", "first_available")
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_NAMES_ES = ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo")
URGENT = "urgent"
PRIORITIES = ("normal", URGENT)
# How far ahead next_opening looks for an open minute (a window with no open day in a year is closed).
_HORIZON_DAYS = 400
_RANGE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


class PolicyError(ValueError):
    """A policy value that cannot be used; `field` names what is wrong."""

    def __init__(self, field_name: str, message: str):
        super().__init__(message)
        self.field = field_name


def zone(name: str | None, default: str = "UTC") -> ZoneInfo:
    """The IANA zone `name` (or `default` when empty); PolicyError for an unknown name."""
    try:
        return ZoneInfo(name or default)
    except (ZoneInfoNotFoundError, ValueError):
        raise PolicyError("timezone", f"Unknown time zone '{name}'.") from None


def parse_hours(value: Any) -> dict[int, tuple[tuple[int, int], ...]]:
    """{"mon": ["08:00-19:00"], "sat": ["08:00-13:00"]} -> {0: ((480, 1140),), 5: ((480, 780),)}.
    Minutes from local midnight; "24:00" ends a day. A day left out is closed."""
    if not isinstance(value, Mapping):
        raise PolicyError("hours", "Expected an object with days (mon..sun) and lists of 'HH:MM-HH:MM'.")
    parsed: dict[int, tuple[tuple[int, int], ...]] = {}
    for key, ranges in value.items():
        if key not in DAYS:
            raise PolicyError("hours", f"Unknown day '{key}' (use {', '.join(DAYS)}).")
        if not isinstance(ranges, (list, tuple)):
            raise PolicyError("hours", f"{key}: expected a list of 'HH:MM-HH:MM'.")
        spans = []
        for item in ranges:
            match = _RANGE.match(item) if isinstance(item, str) else None
            if not match:
                raise PolicyError("hours", f"{key}: '{item}' is not 'HH:MM-HH:MM'.")
            h1, m1, h2, m2 = (int(g) for g in match.groups())
            start, end = h1 * 60 + m1, h2 * 60 + m2
            if h1 > 23 or m1 > 59 or m2 > 59 or end > 24 * 60 or end <= start:
                raise PolicyError("hours", f"{key}: '{item}' is not a valid range within one day.")
            spans.append((start, end))
        spans.sort()
        for (_, end), (start, _) in zip(spans, spans[1:]):
            if start < end:
                raise PolicyError("hours", f"{key}: ranges overlap.")
        if spans:
            parsed[DAYS.index(key)] = tuple(spans)
    return parsed


def format_hours(hours: Mapping[int, tuple[tuple[int, int], ...]]) -> dict[str, list[str]]:
    """The inverse of parse_hours."""
    def hhmm(minutes: int) -> str:
        return f"{minutes // 60:02d}:{minutes % 60:02d}"
    return {DAYS[d]: [f"{hhmm(a)}-{hhmm(b)}" for a, b in spans] for d, spans in sorted(hours.items())}


def parse_dates(value: Any) -> frozenset[date]:
    """["2026-01-01", ...] -> dates; PolicyError naming the bad one."""
    if value is None:
        return frozenset()
    if not isinstance(value, (list, tuple)):
        raise PolicyError("closed_dates", "Expected a list of dates (YYYY-MM-DD).")
    found = set()
    for item in value:
        try:
            found.add(date.fromisoformat(str(item)))
        except ValueError:
            raise PolicyError("closed_dates", f"'{item}' is not a date (YYYY-MM-DD).") from None
    return frozenset(found)


@dataclass(frozen=True)
class Window:
    """When one channel may send for one workshop. `hours` None: always open (closed dates apply)."""

    tz: ZoneInfo
    hours: Mapping[int, tuple[tuple[int, int], ...]] | None = None
    closed: frozenset[date] = frozenset()

    @property
    def unrestricted(self) -> bool:
        return self.hours is None and not self.closed

    def _spans(self, day: date) -> tuple[tuple[int, int], ...]:
        if day in self.closed:
            return ()
        if self.hours is None:
            return ((0, 24 * 60),)
        return self.hours.get(day.weekday(), ())

    def _instant(self, day: date, minutes: int) -> datetime:
        """Local wall time `minutes` after midnight of `day`, as UTC. A wall time skipped by a DST
        change is taken as the first instant after the gap (zoneinfo's fold=0 reading, normalised)."""
        if minutes >= 24 * 60:
            return self._instant(day + timedelta(days=1), minutes - 24 * 60)
        local = datetime.combine(day, time(minutes // 60, minutes % 60), tzinfo=self.tz)
        return local.astimezone(timezone.utc)

    def span_at(self, at: datetime) -> tuple[datetime, datetime] | None:
        """The open span (UTC start, UTC end) containing `at`, or None when closed then."""
        local = at.astimezone(self.tz)
        for day in (local.date() - timedelta(days=1), local.date()):  # a span may run past midnight only as 24:00
            for start, end in self._spans(day):
                begin, finish = self._instant(day, start), self._instant(day, end)
                if begin <= at < finish:
                    return begin, finish
        return None

    def open_until(self, at: datetime, until: int) -> bool:
        """True when `at` falls between the first opening of its local day and `until` (minutes
        from local midnight) that day: the day's window lengthened to `until`. A closed day stays
        closed."""
        if self.unrestricted:
            return True
        day = at.astimezone(self.tz).date()
        spans = self._spans(day)
        if not spans:
            return False
        return self._instant(day, spans[0][0]) <= at < self._instant(day, until)

    def is_open(self, at: datetime) -> bool:
        return self.unrestricted or self.span_at(at) is not None

    def next_opening(self, at: datetime) -> datetime:
        """`at` itself when open, else the start of the next open span. Raises PolicyError when
        the window never opens within about a year."""
        if self.unrestricted or self.span_at(at) is not None:
            return at
        day = at.astimezone(self.tz).date()
        for offset in range(_HORIZON_DAYS):
            current = day + timedelta(days=offset)
            for start, _ in self._spans(current):
                begin = self._instant(current, start)
                if begin > at:
                    return begin
        raise PolicyError("hours", "The send window never opens.")

    def slot(self, opening: datetime, index: int, per_minute: float | None) -> datetime:
        """The time of the `index`-th (0-based) message of the backlog that waits for `opening`, sent
        at `per_minute` messages a minute. A backlog longer than the span carries on at the next
        opening (a window closing mid-backlog)."""
        if not per_minute or per_minute <= 0 or index <= 0:
            return opening
        gap = 60.0 / per_minute
        start = opening
        remaining = index
        for _ in range(_HORIZON_DAYS * 4):
            span = self.span_at(start)
            if span is None:
                start = self.next_opening(start)
                continue
            capacity = int((span[1] - start).total_seconds() // gap) or 1
            if remaining < capacity:
                return start + timedelta(seconds=remaining * gap)
            remaining -= capacity
            start = self.next_opening(span[1])
        raise PolicyError("hours", "The backlog does not fit the send window.")


@dataclass(frozen=True)
class ChannelPolicy:
    """A workshop's (or the global default's) rules for one channel."""

    channel: str
    hours: Mapping[int, tuple[tuple[int, int], ...]] | None = None
    closed: frozenset[date] = frozenset()
    per_minute: float | None = None  # backlog spread at an opening (None: no spread)
    cap_count: int | None = None  # None: the default cap for the channel
    cap_minutes: int | None = None

    def window(self, tz: ZoneInfo) -> Window:
        return Window(tz, self.hours, self.closed)


@dataclass(frozen=True)
class Cap:
    count: int
    seconds: int


def parse_caps(text: str) -> dict[str, Cap]:
    """CUSTOMER_CAPS: "whatsapp=5/60,email=10/60" (messages / minutes). Empty: no caps."""
    caps: dict[str, Cap] = {}
    for part in (text or "").split(","):
        if not part.strip():
            continue
        name, _, value = part.partition("=")
        count, _, minutes = value.partition("/")
        caps[name.strip()] = Cap(int(count), int(minutes or 60) * 60)
    return caps


def parse_rates(text: str) -> dict[str, float]:
    """BACKLOG_RATE_PER_MINUTE: "whatsapp=30,email=120" -> messages per minute per channel."""
    rates: dict[str, float] = {}
    for part in (text or "").split(","):
        if part.strip():
            name, _, value = part.partition("=")
            rates[name.strip()] = float(value)
    return rates


def cap_for(policy: ChannelPolicy | None, default: Cap | None) -> Cap | None:
    """The workshop's cap for a channel (count 0: no cap), else the default."""
    if policy is not None and policy.cap_count is not None:
        if policy.cap_count <= 0:
            return None
        return Cap(policy.cap_count, (policy.cap_minutes or 60) * 60)
    return default


def cap_decision(sent_times: list[datetime], cap: Cap, now: datetime) -> datetime | None:
    """None when one more message fits the cap now; else when it will (rolling window)."""
    recent = sorted(t for t in sent_times if t > now - timedelta(seconds=cap.seconds))
    if len(recent) < cap.count:
        return None
    return recent[len(recent) - cap.count] + timedelta(seconds=cap.seconds)


@dataclass(frozen=True)
class Due:
    """When a planned message goes out, and why it waits (hold: "" | send_at | window)."""

    at: datetime
    hold: str = ""


_CLOCK_HHMM = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*$")


def parse_until(value: Any, field_name: str = "until") -> int | None:
    """An urgent phase's bound: "21:00" -> 1260 (minutes from local midnight); None or "" -> None
    (always urgent). PolicyError naming `field_name` otherwise."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    match = _CLOCK_HHMM.match(value) if isinstance(value, str) else None
    if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        raise PolicyError(field_name, f"'{value}' is not a local time 'HH:MM' (00:00-23:59).")
    return int(match.group(1)) * 60 + int(match.group(2))


def format_until(minutes: int | None) -> str | None:
    """The inverse of parse_until."""
    return None if minutes is None else f"{minutes // 60:02d}:{minutes % 60:02d}"


def due_time(now: datetime, send_at: datetime | None, window: Window | None, urgent: bool,
             urgent_until: int | None = None) -> Due:
    """Rules 2-4 for one message (the backlog spread is applied by the caller, who counts).
    `urgent_until` (minutes from local midnight) bounds an urgent message: it skips the window only
    between the day's opening and that local hour; None: urgent skips the window always."""
    base = send_at if send_at is not None and send_at > now else now
    hold = "send_at" if base > now else ""
    if urgent and urgent_until is not None and window is not None and window.open_until(base, urgent_until):
        return Due(base, hold)
    if (not urgent or urgent_until is not None) and window is not None:
        opening = window.next_opening(base)
        if opening > base:
            return Due(opening, "window")
    return Due(base, hold)


def effective_send_at(send_at: datetime | None, now: datetime, max_days: int) -> datetime | None:
    """A client's `send_at`: past or within a minute means now (None); more than `max_days`
    ahead is refused."""
    if send_at is None:
        return None
    if send_at.tzinfo is None:
        raise PolicyError("send_at", "Give an ISO 8601 time with its offset (e.g. 2026-01-20T14:30:00-05:00).")
    if send_at - now > timedelta(days=max_days):
        raise PolicyError("send_at", f"At most {max_days} days ahead.")
    if send_at - now <= timedelta(minutes=1):
        return None
    return send_at.astimezone(timezone.utc)


def opening_phrase(at: datetime, now: datetime, tz: ZoneInfo) -> str:
    """Spanish words for a planned time as staff read it: 'ahora', 'hoy 08:00', 'el lunes 08:00'."""
    if at <= now + timedelta(seconds=59):
        return "ahora"
    local, today = at.astimezone(tz), now.astimezone(tz).date()
    clock = local.strftime("%H:%M")
    if local.date() == today:
        return f"hoy {clock}"
    if local.date() == today + timedelta(days=1):
        return f"mañana {clock}"
    if local.date() < today + timedelta(days=7):
        return f"el {DAY_NAMES_ES[local.weekday()]} {clock}"
    return f"el {local.strftime('%d/%m/%Y')} {clock}"


# -- appointments -------------------------------------------------------------------------------

_MONTHS = {
    "enero": 1, "febrero": 2, "marzo": 3, "abril": 4, "mayo": 5, "junio": 6, "julio": 7, "agosto": 8,
    "septiembre": 9, "setiembre": 9, "octubre": 10, "noviembre": 11, "diciembre": 12,
}
_SPANISH_DATE = re.compile(r"^\s*(\d{1,2})\s+de\s+([a-z]+)\s*(?:de|del|,)?\s*(\d{4})\s*$")
_NUMERIC_DATE = re.compile(r"^\s*(\d{1,2})[/-](\d{1,2})[/-](\d{4})\s*$")
_CLOCK = re.compile(r"^\s*(\d{1,2})(?::(\d{2}))?\s*(am|pm|a\.m\.|p\.m\.)?\s*$")


def parse_spanish_date(text: str) -> date | None:
    """'20 de Enero, 2026', '20 de enero de 2026', '2026-01-20' or '20/01/2026'; None otherwise."""
    plain = fold(str(text)).strip()
    try:
        return date.fromisoformat(plain)
    except ValueError:
        pass
    match = _SPANISH_DATE.match(plain)
    try:
        if match and match.group(2) in _MONTHS:
            return date(int(match.group(3)), _MONTHS[match.group(2)], int(match.group(1)))
        match = _NUMERIC_DATE.match(plain)
        if match:
            return date(int(match.group(3)), int(match.group(2)), int(match.group(1)))
    except ValueError:
        return None
    return None


def parse_clock(text: str) -> time | None:
    """'14:30', '9:05', '2:30 pm'; None otherwise."""
    match = _CLOCK.match(fold(str(text)))
    if not match:
        return None
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    suffix = (match.group(3) or "").replace(".", "")
    if suffix == "pm" and hour < 12:
        hour += 12
    if suffix == "am" and hour == 12:
        hour = 0
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


def appointment_time(context: Mapping[str, Any], tz: ZoneInfo) -> datetime | None:
    """The appointment an event's context names, as UTC: `appointment_at` (ISO 8601; without an
    offset it is read in `tz`), else `fecha` + `hora` in the reference's Spanish formats."""
    lookup = {fold(str(k)).replace("_", ""): v for k, v in context.items()}
    iso = lookup.get("appointmentat")
    if iso:
        try:
            parsed = datetime.fromisoformat(str(iso).replace("Z", "+00:00"))
        except ValueError:
            return None
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=tz)
        return parsed.astimezone(timezone.utc)
    day = parse_spanish_date(lookup.get("fecha", "")) if lookup.get("fecha") else None
    clock = parse_clock(lookup.get("hora", "")) if lookup.get("hora") else None
    if day is None or clock is None:
        return None
    return datetime.combine(day, clock, tzinfo=tz).astimezone(timezone.utc)


@dataclass(frozen=True)
class ConfigPolicy:
    """What an orchestration config adds to its matrix: the strategy and the appointment reminder."""

    strategy: str = "all"
    reminder_hours: int | None = None


@dataclass
class PolicySet:
    """Every channel policy, by (workshop id or None, channel); the workshop's own wins."""

    by_scope: dict[tuple[str | None, str], ChannelPolicy] = field(default_factory=dict)

    def for_channel(self, workshop_id: str | None, channel: str) -> ChannelPolicy | None:
        if workshop_id is not None:
            found = self.by_scope.get((workshop_id, channel))
            if found is not None:
                return found
        return self.by_scope.get((None, channel))
