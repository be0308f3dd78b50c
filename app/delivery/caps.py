"""Per-customer caps: at most N messages per customer per channel per rolling window (CUSTOMER_CAPS,
or the workshop's own in delivery_policies). Checked right after a claim, before anything is sent:
a claimed row over its cap goes back to `scheduled` for the time the window allows it (its attempt
is not counted), never dropped; urgent rows, staff messages and rows already counted (a retry)
pass. Counting is exact with any number of workers: on PostgreSQL the check locks the customers'
rows (FOR UPDATE, in id order) for the few statements it takes, so two workers never count the
same customer at once; on SQLite (embedded mode, one process) a process lock does the same.
A counted row keeps the time it was counted (`cap_at`); the count reads those."""

from __future__ import annotations

import contextlib
import threading
import uuid
from collections import defaultdict
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select, update

from app.catalog import get_snapshot
from app.extensions import db
from app.models import Customer, DispatchEvent, Notification
from app.models.base import utcnow
from app.models.enums import NotificationStatus as S
from app.orchestration.policy import cap_decision, cap_for, parse_caps

_N = Notification.__table__.c
_E = DispatchEvent.__table__.c
_sqlite_lock = threading.Lock()


def _serialised():
    return _sqlite_lock if db.engine.dialect.name != "postgresql" else contextlib.nullcontext()


def apply_caps(token: str, ids: list[uuid.UUID], now: datetime | None = None) -> list[uuid.UUID]:
    """The claimed ids that may go out now; the others are scheduled for when their cap allows."""
    if not ids:
        return ids
    defaults = parse_caps(current_app.config.get("CUSTOMER_CAPS", ""))
    snap = get_snapshot()
    if not defaults and not any(p.cap_count for p in snap.policies.by_scope.values()):
        return ids
    now = now or utcnow()
    rows = db.session.execute(
        select(_N.id, _N.channel, _N.customer_id, _N.urgent, _N.cap_at, _N.target, _N.created_at, _E.workshop_id)
        .join_from(Notification.__table__, DispatchEvent.__table__, _E.id == _N.event_id)
        .where(_N.id.in_(ids), _N.claim_token == token)).all()
    subject = []
    for row in rows:
        if row.customer_id is None or row.target != "clients" or row.urgent or row.cap_at is not None:
            continue
        workshop = str(row.workshop_id) if row.workshop_id else None
        cap = cap_for(snap.policies.for_channel(workshop, row.channel), defaults.get(row.channel))
        if cap is not None:
            subject.append((row, cap))
    if not subject:
        db.session.commit()
        return ids
    deferred: dict[uuid.UUID, datetime] = {}
    with _serialised():
        customers = sorted({row.customer_id for row, _ in subject})
        if db.engine.dialect.name == "postgresql":
            db.session.execute(select(Customer.id).where(Customer.id.in_(customers))
                               .order_by(Customer.id).with_for_update())
        longest = max(cap.seconds for _, cap in subject)
        sent: dict[tuple, list[datetime]] = defaultdict(list)
        for customer_id, channel, cap_at in db.session.execute(
                select(_N.customer_id, _N.channel, _N.cap_at)
                .where(_N.customer_id.in_(customers), _N.cap_at > now - timedelta(seconds=longest))):
            sent[(customer_id, channel)].append(cap_at)
        counted = []
        for row, cap in sorted(subject, key=lambda item: item[0].created_at):
            key = (row.customer_id, row.channel)
            wait = cap_decision(sent[key], cap, now)
            if wait is None:
                sent[key].append(now)
                counted.append(row.id)
            else:
                deferred[row.id] = wait
        if counted:
            db.session.execute(update(Notification).where(Notification.id.in_(counted))
                               .values(cap_at=now).execution_options(synchronize_session=False))
        for row_id, wait in deferred.items():
            db.session.execute(
                update(Notification).where(Notification.id == row_id, Notification.claim_token == token,
                                           Notification.status == S.SENDING)
                .values(status=S.SCHEDULED, scheduled_at=wait, hold_reason="cap", claim_token=None,
                        claimed_at=None, claimed_by=None, attempts=Notification.attempts - 1, updated_at=now)
                .execution_options(synchronize_session=False))
        db.session.commit()
    return [i for i in ids if i not in deferred]
