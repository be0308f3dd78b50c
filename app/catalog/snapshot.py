"""A read-only, per-process snapshot of what orchestration needs (catalog, workshops, templates,
matrix), so a dispatch costs no catalog queries.

Every SNAPSHOT_TTL_SECONDS one thread runs a cheap fingerprint query over the source tables and
reloads only when it changed (or the snapshot is older than SNAPSHOT_MAX_AGE_SECONDS); the other
threads keep serving the current snapshot meanwhile. Writes made through Avisos call `invalidate()`,
which forces a reload on the next call in this process; other processes see them within the TTL.
A TTL of 0 (the tests) reloads on every call through the caller's session, uncommitted rows included.
See docs/ORCHESTRATION.md, "Snapshot freshness".
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field, replace
from time import monotonic
from typing import Any

from flask import current_app
from sqlalchemy import extract, func, literal, select, union_all

from app.channels import CHANNELS
from app.extensions import db
from app.models import (
    DeliveryPolicy,
    NotificationTemplate,
    OrchestrationConfig,
    PhaseChannelConfig,
    ServicePhase,
    ServiceType,
    Workshop,
)
from app.orchestration.planning import MatrixCell, TemplateData
from app.orchestration.policy import (
    ChannelPolicy,
    ConfigPolicy,
    PolicyError,
    PolicySet,
    parse_dates,
    parse_hours,
    parse_until,
)


@dataclass(frozen=True)
class PhaseInfo:
    id: str
    slug: str
    name: str
    order: int
    urgent: bool = False
    urgent_until: int | None = None  # minutes from local midnight; None: urgent at any hour


@dataclass(frozen=True)
class TypeInfo:
    id: str
    slug: str
    name: str
    parent_id: str | None


@dataclass(frozen=True)
class WorkshopInfo:
    id: str
    code: str
    name: str
    staff_email: str
    staff_whatsapp: str
    channels: dict
    timezone: str = ""  # IANA name ("": TIMEZONE)


@dataclass
class Snapshot:
    phases: dict[str, PhaseInfo] = field(default_factory=dict)  # by slug
    phases_by_id: dict[str, PhaseInfo] = field(default_factory=dict)
    types: dict[str, TypeInfo] = field(default_factory=dict)  # by slug
    types_by_id: dict[str, TypeInfo] = field(default_factory=dict)
    workshops: dict[str, WorkshopInfo] = field(default_factory=dict)  # by id and by code
    templates: list[TemplateData] = field(default_factory=list)
    # (target, phase_id) or (target, "event:<event_type>") -> templates: the only ones that can match
    templates_by_key: dict[tuple, list[TemplateData]] = field(default_factory=dict)
    # (service_type_id, target, workshop_id or None) -> phase_id -> cells
    matrices: dict[tuple, dict[str, list[MatrixCell]]] = field(default_factory=dict)
    # same keys -> the config's strategy and appointment reminder
    config_policies: dict[tuple, ConfigPolicy] = field(default_factory=dict)
    # send windows, backlog rates and caps per (workshop id or None, channel)
    policies: PolicySet = field(default_factory=PolicySet)

    def templates_for(self, target: str, phase_id: str | None, event_type: str) -> list[TemplateData]:
        return self.templates_by_key.get(_template_key(target, phase_id, event_type), [])

    def workshop(self, ref: str | None) -> WorkshopInfo | None:
        return self.workshops.get(ref) if ref else None

    def matrix_for(self, type_ids: list[str], target: str, workshop_id: str | None) -> dict[str, list[MatrixCell]] | None:
        """The workshop's own config wins over the global one; a subtype's over its parent's."""
        for scope in ([workshop_id, None] if workshop_id else [None]):
            for type_id in type_ids:
                found = self.matrices.get((type_id, target, scope))
                if found is not None:
                    return found
        return None

    def config_policy_for(self, type_ids: list[str], target: str, workshop_id: str | None) -> ConfigPolicy:
        """The strategy and reminder of the config matrix_for picks (the defaults without one)."""
        for scope in ([workshop_id, None] if workshop_id else [None]):
            for type_id in type_ids:
                if (type_id, target, scope) in self.matrices or (type_id, target, scope) in self.config_policies:
                    return self.config_policies.get((type_id, target, scope), ConfigPolicy())
        return ConfigPolicy()


log = logging.getLogger(__name__)

DEFAULT_TTL_SECONDS = 5.0
DEFAULT_MAX_AGE_SECONDS = 300.0
# Every table the snapshot is built from; the fingerprint covers all their rows, active or not.
SOURCE_TABLES = tuple(model.__table__ for model in (
    ServicePhase, ServiceType, Workshop, NotificationTemplate, OrchestrationConfig, PhaseChannelConfig,
    DeliveryPolicy,
))


@dataclass(frozen=True)
class _Entry:
    snapshot: Snapshot
    fingerprint: tuple
    generation: int  # the invalidate() count when its load started
    built_at: float  # monotonic seconds
    checked_at: float  # last time the fingerprint matched (or the build)


_state_lock = threading.Lock()  # guards the three globals below; held only for a few assignments
_reload_lock = threading.Lock()  # single flight: held by the one thread checking or reloading
_cached: _Entry | None = None
_generation = 0
_failures = 0  # failed refreshes so far: threads queued behind one do not retry it at once


def invalidate() -> None:
    """Force a full reload on the next get_snapshot() in this process (call it after committing)."""
    global _generation
    with _state_lock:
        _generation += 1


def get_snapshot() -> Snapshot:
    """The current snapshot; never None. Raises only when no snapshot could ever be loaded."""
    ttl = float(current_app.config.get("SNAPSHOT_TTL_SECONDS", DEFAULT_TTL_SECONDS))
    if ttl <= 0:
        return load_snapshot()
    with _state_lock:
        entry, generation, failures = _cached, _generation, _failures
    usable = entry is not None and entry.generation == generation
    if usable and monotonic() < entry.checked_at + ttl:
        return entry.snapshot
    if usable:
        if not _reload_lock.acquire(blocking=False):
            return entry.snapshot  # another thread is checking; this one is at most a TTL behind
    else:
        # No snapshot yet, or invalidated here: wait, so a writer reads its own change afterwards.
        _reload_lock.acquire()
    try:
        return _refresh(ttl, failures)
    finally:
        _reload_lock.release()


def _refresh(ttl: float, failures_seen: int) -> Snapshot:
    """Check the fingerprint and reload when needed; runs under _reload_lock."""
    global _cached, _failures
    with _state_lock:
        entry, generation, failed_meanwhile = _cached, _generation, _failures != failures_seen
    now = monotonic()
    usable = entry is not None and entry.generation == generation
    if usable and now < entry.checked_at + ttl:
        return entry.snapshot  # the thread before this one refreshed it
    if entry is not None and failed_meanwhile:
        return entry.snapshot  # the attempt this thread waited for just failed; the next call retries
    max_age = float(current_app.config.get("SNAPSHOT_MAX_AGE_SECONDS", DEFAULT_MAX_AGE_SECONDS))
    try:
        # Its own connection: only committed rows reach the process-wide cache, and a failure cannot
        # break the caller's transaction.
        with db.engine.connect() as conn:
            # Fingerprint before loading: a change in between makes the next check reload again.
            fingerprint = _fingerprint(conn)
            if usable and fingerprint == entry.fingerprint and now - entry.built_at < max_age:
                snapshot = None
            else:
                snapshot = load_snapshot(conn)
    except Exception:
        if entry is None:
            raise
        log.exception("orchestration snapshot refresh failed; serving the previous one")
        with _state_lock:
            _failures += 1
        return entry.snapshot
    with _state_lock:
        if snapshot is None:
            _cached = replace(entry, checked_at=now)
            return entry.snapshot
        _cached = _Entry(snapshot, fingerprint, generation, built_at=now, checked_at=now)
    return snapshot


def _fingerprint(conn) -> tuple:
    """Per source table: row count, max(updated_at) and the sum of updated_at as a number.

    The count catches inserts and deletes. updated_at is set by the ORM (onupdate) on every flush
    and Core update(); the sum also catches an edit whose timestamp, taken at flush, is older than
    the newest row because its transaction committed late.
    """
    parts = [
        select(literal(table.name).label("name"), func.count().label("rows"),
               func.max(table.c.updated_at).label("newest"),
               func.sum(_as_number(table.c.updated_at, conn.dialect.name)).label("total"))
        .select_from(table)
        for table in SOURCE_TABLES
    ]
    return tuple(sorted(tuple(row) for row in conn.execute(union_all(*parts))))


def _as_number(column, dialect: str):
    if dialect == "sqlite":
        return func.julianday(column)  # stored as ISO text; days with sub-millisecond precision
    return extract("epoch", column)


def _until_minutes(value: str | None) -> int | None:
    try:
        return parse_until(value)
    except PolicyError:  # only valid values are stored; an odd one reads as "always"
        return None


def load_snapshot(source: Any = None) -> Snapshot:
    """Build a snapshot with plain column selects (no ORM entities) on `source`, a Connection or
    Session (default: the current session, which sees its own uncommitted rows)."""
    run = (source if source is not None else db.session).execute
    snap = Snapshot()
    p = ServicePhase.__table__.c
    for row in run(select(p.id, p.slug, p.name, p.order, p.is_urgent, p.urgent_until).where(p.is_active)):
        info = PhaseInfo(str(row.id), row.slug, row.name, row.order, bool(row.is_urgent),
                         _until_minutes(row.urgent_until))
        snap.phases[row.slug] = info
        snap.phases_by_id[info.id] = info
    t = ServiceType.__table__.c
    for row in run(select(t.id, t.slug, t.name, t.parent_id).where(t.is_active)):
        info = TypeInfo(str(row.id), row.slug, row.name, str(row.parent_id) if row.parent_id else None)
        snap.types[row.slug] = info
        snap.types_by_id[info.id] = info
    w = Workshop.__table__.c
    switches = [w[f"{channel}_enabled"] for channel in CHANNELS]
    for row in run(select(w.id, w.code, w.name, w.staff_email, w.staff_whatsapp, w.timezone, *switches)
                   .where(w.is_active)):
        values = row._mapping
        info = WorkshopInfo(
            str(row.id), row.code, row.name, row.staff_email, row.staff_whatsapp,
            # as Workshop.channel_enabled reads them
            {channel: bool(values[f"{channel}_enabled"]) for channel in CHANNELS}, row.timezone or "",
        )
        snap.workshops[info.id] = info
        snap.workshops[row.code] = info
    n = NotificationTemplate.__table__.c
    snap.templates = [template_data(row) for row in run(select(
        n.id, n.name, n.channel, n.target, n.subject, n.body, n.html_body, n.service_type_id, n.subtype_id,
        n.phase_id, n.event_type, n.workshop_id, n.is_active, n.current_version_id,
    ).where(n.is_active))]
    for tpl in snap.templates:
        if tpl.phase_id or tpl.event_type:
            snap.templates_by_key.setdefault(_template_key(tpl.target, tpl.phase_id, tpl.event_type), []).append(tpl)
    o = OrchestrationConfig.__table__.c
    c = PhaseChannelConfig.__table__.c
    rows = run(
        select(o.service_type_id, o.target, o.workshop_id, c.phase_id, c.channel, c.enabled, c.template_id)
        .join_from(OrchestrationConfig.__table__, PhaseChannelConfig.__table__, c.config_id == o.id)
        .where(o.is_active)
    )
    for row in rows:
        key = (str(row.service_type_id), row.target, str(row.workshop_id) if row.workshop_id else None)
        cells = snap.matrices.setdefault(key, {}).setdefault(str(row.phase_id), [])
        cells.append(MatrixCell(row.channel, row.enabled, str(row.template_id) if row.template_id else None))
    for row in run(select(o.service_type_id, o.target, o.workshop_id, o.strategy, o.reminder_hours_before)
                   .where(o.is_active)):
        key = (str(row.service_type_id), row.target, str(row.workshop_id) if row.workshop_id else None)
        snap.config_policies[key] = ConfigPolicy(row.strategy or "all", row.reminder_hours_before)
    d = DeliveryPolicy.__table__.c
    for row in run(select(d.workshop_id, d.channel, d.hours, d.closed_dates, d.per_minute, d.cap_count,
                          d.cap_minutes)):
        snap.policies.by_scope[(str(row.workshop_id) if row.workshop_id else None, row.channel)] = ChannelPolicy(
            row.channel, parse_hours(row.hours) if row.hours is not None else None, parse_dates(row.closed_dates),
            row.per_minute, row.cap_count, row.cap_minutes)
    return snap


def _template_key(target: str, phase_id: str | None, event_type: str | None) -> tuple[str, str]:
    """Phase templates are found by phase; event-type templates (reminders, custom) by event type."""
    return (target, phase_id) if phase_id else (target, f"event:{event_type}")


def template_data(t: Any) -> TemplateData:
    """A template row (ORM entity or Core row with the same column names) as planning data."""
    def sid(value):
        return str(value) if value else None

    return TemplateData(
        id=str(t.id), name=t.name, channel=t.channel, target=t.target, subject=t.subject or "",
        body=t.body or "", html_body=t.html_body or "", service_type_id=sid(t.service_type_id),
        subtype_id=sid(t.subtype_id), phase_id=sid(t.phase_id), event_type=t.event_type,
        workshop_id=sid(t.workshop_id), is_active=t.is_active,
        version_id=sid(getattr(t, "current_version_id", None)),
    )
