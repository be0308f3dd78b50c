"""Delivery policy at planning time: a planned row that may not go out now (send_at, a send window)
is stored `scheduled` with its planned time (`scheduled_at`), in the same commit as the event; the
release step (app/delivery/schedule.py) turns due rows back into `queued` in batches. An opening's
backlog is spread at the channel's rate with an atomic counter per (workshop, channel, opening)
(`send_slots`), so the n-th deferred message of an opening gets its own minute.

The rules themselves are pure (app/orchestration/policy.py); this module reads the snapshot and
the configuration and takes the counters.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import psycopg
from flask import current_app
from sqlalchemy import text, update

from app import pg_direct
from app.queue import add_to_counters
from app.catalog import Snapshot
from app.extensions import db
from app.models import Notification
from app.models.base import utcnow
from app.models.enums import NotificationStatus
from app.orchestration.policy import URGENT, Window, due_time, parse_rates, zone

_UPSERT_SLOTS = ("INSERT INTO send_slots (key, count, opening) VALUES {values} "
                 "ON CONFLICT (key) DO UPDATE SET count = send_slots.count + EXCLUDED.count RETURNING key, count")


@dataclass
class SlotRequest:
    """Window-deferred rows waiting for one opening, to be spread at `per_minute`."""

    key: str
    opening: datetime
    window: Window
    per_minute: float
    rows: list[dict]


def workshop_zone(snap: Snapshot, workshop_id: str | None) -> ZoneInfo:
    shop = snap.workshop(workshop_id)
    return zone(shop.timezone if shop else "", current_app.config["TIMEZONE"])


def is_urgent(event, snap: Snapshot, phase_id: str | None) -> bool:
    """Custom (or any) events sent with priority "urgent", or a phase flagged urgent."""
    if getattr(event, "priority", None) == URGENT:
        return True
    phase = snap.phases_by_id.get(phase_id) if phase_id else None
    return bool(phase and phase.urgent)


def urgent_until(event, snap: Snapshot, phase_id: str | None) -> int | None:
    """The local hour (minutes from midnight) an urgent phase's messages skip windows until;
    None: at any hour (always for priority "urgent")."""
    if getattr(event, "priority", None) == URGENT:
        return None
    phase = snap.phases_by_id.get(phase_id) if phase_id else None
    return phase.urgent_until if phase and phase.urgent else None


def schedule_rows(event, rows: list[dict], snap: Snapshot, workshop_id: str | None, phase_id: str | None,
                  now: datetime, hold: str | None = None) -> list[SlotRequest]:
    """Mark each queued row `scheduled` when it may not go out now; returns the backlog to spread
    (take_slots). `hold` names why a send_at applies (default "send_at"; "reminder")."""
    urgent = is_urgent(event, snap, phase_id)
    until = urgent_until(event, snap, phase_id) if urgent else None
    bypass = urgent and until is None
    send_at = getattr(event, "send_at", None)
    tz = None
    requests: dict[str, SlotRequest] = {}
    rates = None
    for row in rows:
        row["urgent"] = urgent
        if row["status"] != NotificationStatus.QUEUED or not row["channel"]:
            continue
        policy = snap.policies.for_channel(workshop_id, row["channel"])
        window = None
        if policy is not None and not bypass and (policy.hours is not None or policy.closed):
            tz = tz or workshop_zone(snap, workshop_id)
            window = policy.window(tz)
        due = due_time(now, send_at, window, urgent, until)
        if due.at <= now:
            continue
        row.update(status=NotificationStatus.SCHEDULED, scheduled_at=due.at,
                   hold_reason=(hold or due.hold) if due.hold == "send_at" else due.hold)
        if due.hold != "window":
            continue
        if rates is None:
            rates = parse_rates(current_app.config.get("BACKLOG_RATE_PER_MINUTE", ""))
        per_minute = policy.per_minute if policy.per_minute is not None else rates.get(row["channel"])
        if not per_minute:
            continue
        key = f"{workshop_id or '*'}|{row['channel']}|{due.at.isoformat()}"
        request = requests.get(key)
        if request is None:
            request = requests[key] = SlotRequest(key, due.at, window, per_minute, [])
        request.rows.append(row)
    return list(requests.values())


def take_slots(requests: list[SlotRequest], connection: psycopg.Connection | None = None) -> None:
    """Count the backlog of each opening and give each row its slot, for the whole batch at once:
    with Redis (JOBS_MODE rq) one pipelined INCRBY per opening; otherwise, or when Redis does not
    answer, one multi-row upsert into `send_slots`, on PostgreSQL on `connection` (the dispatch
    writer's, autocommit) or in the session's transaction (UNLOGGED there: no WAL flush). A lost
    counter only restarts that opening's spread."""
    merged: dict[str, SlotRequest] = {}
    for request in requests:
        known = merged.get(request.key)
        if known is None:
            merged[request.key] = SlotRequest(request.key, request.opening, request.window, request.per_minute,
                                              list(request.rows))
        else:
            known.rows.extend(request.rows)
    if not merged:
        return
    batch = list(merged.values())
    totals = add_to_counters({r.key: len(r.rows) for r in batch},
                             max(utcnow(), *(r.opening for r in batch)) + timedelta(days=1))
    if totals is None and pg_direct.active():
        conn = connection or db.session.connection().connection.driver_connection
        values = ", ".join(["(%s, %s, %s)"] * len(batch))
        params = [v for r in batch for v in (r.key, len(r.rows), r.opening)]
        totals = dict(conn.execute(_UPSERT_SLOTS.format(values=values), params).fetchall())
    elif totals is None:
        values = ", ".join(f"(:k{i}, :n{i}, :o{i})" for i in range(len(batch)))
        params = {}
        for i, r in enumerate(batch):
            params.update({f"k{i}": r.key, f"n{i}": len(r.rows), f"o{i}": _sqlite_time(r.opening)})
        totals = dict(db.session.execute(text(_UPSERT_SLOTS.format(values=values)), params).all())
    for request in batch:
        first = totals[request.key] - len(request.rows)
        for index, row in enumerate(request.rows, start=first):
            row["scheduled_at"] = request.window.slot(request.opening, index, request.per_minute)


def _sqlite_time(value: datetime) -> str:
    return value.replace(tzinfo=None).isoformat(sep=" ")


def forget_old_slots(now: datetime) -> int:
    """Counters of openings more than a day past (the sweeper)."""
    deleted = db.session.execute(text("DELETE FROM send_slots WHERE opening < :cutoff"),
                                 {"cutoff": _sqlite_time(now - timedelta(days=1)) if not pg_direct.active()
                                  else now - timedelta(days=1)}).rowcount
    db.session.commit()
    return deleted or 0


REPLACED = "Replaced by the reminder of the rescheduled appointment."
_PENDING = (NotificationStatus.SCHEDULED, NotificationStatus.QUEUED, NotificationStatus.RETRYING,
            NotificationStatus.WAITING_FOR_CUSTOMER)


def replace_reminders(correlation_ids: list[str], new_event_ids: list, connection: psycopg.Connection | None = None) -> int:
    """Appointment reminders still pending under these correlation ids, but of other events than
    the new ones, are cancelled ("rescheduled"): a rescheduled appointment keeps one reminder.
    On `connection` (the writer's, after its INSERT) or in the session's transaction."""
    if not correlation_ids:
        return 0
    if pg_direct.active() and connection is not None:
        # After the batch's own commit, without waiting for a WAL flush of its own: should a crash
        # lose this UPDATE, the release step cancels the older reminder all the same (schedule.py).
        with connection.pipeline(), connection.transaction():
            connection.execute("SET LOCAL synchronous_commit = off")
            # The event's rows are found by correlation id alone (its index): a filter on status
            # could lead the planner to the status index, i.e. to every scheduled row.
            cursor = connection.execute(
                "WITH mine AS MATERIALIZED (SELECT id, status, event_id FROM notifications "
                "WHERE correlation_id = ANY(%s)) "
                "UPDATE notifications n SET status = 'cancelled', error_code = 'rescheduled', "
                f"error_reason = '{REPLACED}', updated_at = now() FROM mine "
                "WHERE n.id = mine.id AND mine.status = ANY(%s) AND NOT (mine.event_id = ANY(%s))",
                [list(correlation_ids), list(_PENDING), list(new_event_ids)])
        return cursor.rowcount
    return db.session.execute(
        update(Notification).where(Notification.correlation_id.in_(correlation_ids),
                                   Notification.status.in_(_PENDING), Notification.event_id.not_in(new_event_ids))
        .values(status=NotificationStatus.CANCELLED, error_code="rescheduled",
                error_reason=REPLACED, updated_at=utcnow())
        .execution_options(synchronize_session=False)).rowcount
