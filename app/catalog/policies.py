"""Delivery policy as staff edit it (console and API): per workshop (or the global default) and
channel, the weekly send window, closed dates, backlog rate and per-customer cap; the workshop's
time zone; the phases flagged urgent. Validated with the pure rules (app/orchestration/policy.py);
every write commits and invalidates the snapshot dispatch reads."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Mapping

from flask import current_app
from sqlalchemy import select

from app.catalog.snapshot import invalidate
from app.channels import CHANNELS
from app.extensions import db
from app.models import DeliveryPolicy, ServicePhase, Workshop
from app.models.base import utcnow
from app.orchestration.policy import (
    ChannelPolicy,
    PolicyError,
    format_hours,
    format_until,
    opening_phrase,
    parse_caps,
    parse_dates,
    parse_hours,
    parse_rates,
    parse_until,
    zone,
)


class PolicyInvalid(ValueError):
    """Every problem of a policy write, by field (nothing was changed)."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("; ".join(f"{k}: {', '.join(v)}" for k, v in errors.items()))
        self.errors = errors


@dataclass(frozen=True)
class ChannelView:
    channel: str
    own: bool  # the workshop's own row (False: the global default or none)
    hours: dict[str, list[str]] | None
    closed_dates: list[str]
    per_minute: float | None
    cap_count: int | None
    cap_minutes: int | None
    next_send: datetime
    phrase: str  # "un mensaje enviado ahora saldría ..." (Spanish, the console's preview line)

    def as_json(self) -> dict:
        return {"hours": self.hours, "closed_dates": self.closed_dates, "per_minute": self.per_minute,
                "cap_count": self.cap_count, "cap_minutes": self.cap_minutes, "inherited": not self.own,
                "next_send_if_sent_now": self.next_send.isoformat(), "preview": self.phrase}


def _rows(workshop_id) -> dict[str, DeliveryPolicy]:
    return {r.channel: r for r in db.session.scalars(select(DeliveryPolicy).where(
        DeliveryPolicy.workshop_id == workshop_id if workshop_id else DeliveryPolicy.workshop_id.is_(None)))}


def timezone_name(workshop: Workshop | None) -> str:
    return (workshop.timezone if workshop is not None else "") or current_app.config["TIMEZONE"]


def channel_views(workshop: Workshop | None, now: datetime | None = None) -> dict[str, ChannelView]:
    """Each channel's effective policy for the workshop (its own row, else the global one), with the
    time a message sent now would go out."""
    now = now or utcnow()
    own = _rows(workshop.id) if workshop is not None else {}
    default = _rows(None)
    tz = zone(timezone_name(workshop))
    caps = parse_caps(current_app.config.get("CUSTOMER_CAPS", ""))
    rates = parse_rates(current_app.config.get("BACKLOG_RATE_PER_MINUTE", ""))
    views = {}
    for channel in CHANNELS:
        row = own.get(channel) or default.get(channel)
        mine = channel in own if workshop is not None else channel in default
        hours = parse_hours(row.hours) if row is not None and row.hours is not None else None
        closed = parse_dates(row.closed_dates) if row is not None else frozenset()
        window = ChannelPolicy(channel, hours, closed).window(tz)
        opening = window.next_opening(now)
        cap = caps.get(channel)
        views[channel] = ChannelView(
            channel, mine, format_hours(hours) if hours is not None else None, sorted(d.isoformat() for d in closed),
            row.per_minute if row is not None and row.per_minute is not None else rates.get(channel),
            row.cap_count if row is not None and row.cap_count is not None else (cap.count if cap else None),
            row.cap_minutes if row is not None and row.cap_minutes is not None else (cap.seconds // 60 if cap else None),
            opening, opening_phrase(opening, now, tz))
    return views


def save_policy(workshop: Workshop | None, channels: Mapping[str, Any], timezone: str | None = None) -> None:
    """Replace the workshop's (None: the global) rules of the channels given; a channel given as
    None goes back to the default. All validated before anything is written."""
    errors: dict[str, list[str]] = {}
    parsed: dict[str, dict | None] = {}
    if timezone is not None:
        if workshop is None:
            errors["timezone"] = ["The global default follows TIMEZONE; set a time zone per workshop."]
        else:
            try:
                zone(timezone)
            except PolicyError as err:
                errors["timezone"] = [str(err)]
    for channel, values in channels.items():
        if channel not in CHANNELS:
            errors[f"channels.{channel}"] = [f"Unknown channel (use {', '.join(CHANNELS)})."]
            continue
        if values is None:
            parsed[channel] = None
            continue
        try:
            hours = values.get("hours")
            normal = format_hours(parse_hours(hours)) if hours is not None else None
            closed = sorted(d.isoformat() for d in parse_dates(values.get("closed_dates") or []))
        except PolicyError as err:
            errors[f"channels.{channel}.{err.field}"] = [str(err)]
            continue
        parsed[channel] = {"hours": normal, "closed_dates": closed, "per_minute": values.get("per_minute"),
                           "cap_count": values.get("cap_count"), "cap_minutes": values.get("cap_minutes")}
    if errors:
        raise PolicyInvalid(errors)
    workshop_id = workshop.id if workshop is not None else None
    existing = _rows(workshop_id)
    for channel, values in parsed.items():
        row = existing.get(channel)
        if values is None:
            if row is not None:
                db.session.delete(row)
            continue
        if row is None:
            row = DeliveryPolicy(workshop_id=workshop_id, channel=channel)
            db.session.add(row)
        for name, value in values.items():
            setattr(row, name, value)
    if timezone is not None and workshop is not None:
        workshop.timezone = timezone
    db.session.commit()
    invalidate()


def urgent_phases() -> list[str]:
    return list(db.session.scalars(select(ServicePhase.slug).where(ServicePhase.is_urgent).order_by(ServicePhase.order)))


def urgent_until() -> dict[str, str | None]:
    """Each urgent phase's bound ("HH:MM", local) or None (urgent at any hour)."""
    rows = db.session.execute(select(ServicePhase.slug, ServicePhase.urgent_until)
                              .where(ServicePhase.is_urgent).order_by(ServicePhase.order))
    return {slug: until for slug, until in rows}


def set_urgent_phases(slugs: list[str], until: Mapping[str, Any] | None = None,
                      fields: Mapping[str, str] | None = None) -> list[str]:
    """Flag exactly these phases urgent (their messages skip windows and caps); `until` bounds
    some of them by a local hour ("21:00"; None or left out: at any hour). Errors name
    `fields[slug]` (default "urgent_until.<slug>") for a bad time; nothing is changed then."""
    until = until or {}
    fields = fields or {}
    phases = db.session.scalars(select(ServicePhase)).all()
    known = {p.slug for p in phases}
    errors: dict[str, list[str]] = {}
    unknown = [s for s in slugs if s not in known]
    if unknown:
        errors["phases"] = [f"Unknown phase '{s}'." for s in unknown]
    bounds: dict[str, str | None] = {}
    for slug, value in until.items():
        name = fields.get(slug, f"urgent_until.{slug}")
        if slug not in slugs:
            errors[name] = [f"'{slug}' is not among the urgent phases."]
            continue
        try:
            bounds[slug] = format_until(parse_until(value, name))
        except PolicyError as err:
            errors[err.field] = [str(err)]
    if errors:
        raise PolicyInvalid(errors)
    for phase in phases:
        phase.is_urgent = phase.slug in slugs
        bound = bounds.get(phase.slug) if phase.is_urgent else None
        if phase.urgent_until != bound:
            phase.urgent_until = bound
    db.session.commit()
    invalidate()
    return urgent_phases()
