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
from collections.abc import Mapping
from datetime import datetime, timedelta
from functools import lru_cache
from types import MappingProxyType
from typing import NamedTuple

from flask import current_app
from sqlalchemy import Select, Update, bindparam, select, update

from app import pg_direct
from app.catalog import get_snapshot
from app.extensions import db
from app.models import Customer, Notification
from app.models.base import utcnow
from app.models.enums import NotificationStatus as S
from app.orchestration.policy import Cap, cap_decision, cap_for, parse_caps

_N = Notification.__table__.c
_sqlite_lock = threading.Lock()


def _serialised():
    return _sqlite_lock if db.engine.dialect.name != "postgresql" else contextlib.nullcontext()


def apply_caps(token: str, rows: list, now: datetime | None = None) -> list:
    """The claimed rows (claim.claimed_rows) that may go out now, in order; the others are
    scheduled for when their cap allows."""
    if not rows:
        return rows
    defaults = _default_caps(current_app.config.get("CUSTOMER_CAPS", ""))
    snap = get_snapshot()
    if not defaults and not any(p.cap_count for p in snap.policies.by_scope.values()):
        return rows
    now = now or utcnow()
    postgresql = pg_direct.active()
    statements = _statements(postgresql)
    subject = []
    for row in rows:
        if row.customer_id is None or row.target != "clients" or row.urgent or row.cap_at is not None:
            continue
        workshop = str(row.workshop_id) if row.workshop_id else None
        cap = cap_for(snap.policies.for_channel(workshop, row.channel), defaults.get(row.channel))
        if cap is not None:
            subject.append((row, cap))
    if not subject:
        return rows
    deferred: dict[uuid.UUID, datetime] = {}
    with _serialised():
        customers = sorted({row.customer_id for row, _ in subject})
        if postgresql:
            # Locked first, counted after: each statement reads what was committed when it began,
            # so a worker that held these customers has committed its own counts by then.
            _rows(statements.lock, {"customers": customers}, postgresql)
        longest = max(cap.seconds for _, cap in subject)
        sent: dict[tuple, list[datetime]] = defaultdict(list)
        for row in _rows(statements.recent, {"customers": customers, "since": now - timedelta(seconds=longest)},
                         postgresql):
            sent[(row.customer_id, row.channel)].append(row.cap_at)
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
            db.session.execute(statements.count, {"ids": counted, "now": now})
        if deferred:
            db.session.execute(statements.defer, [{"row_id": row_id, "token": token, "wait": wait, "now": now}
                                                  for row_id, wait in deferred.items()])
        db.session.commit()
    return [row for row in rows if row.id not in deferred]


@lru_cache(maxsize=8)
def _default_caps(text: str) -> Mapping[str, Cap]:
    return MappingProxyType(parse_caps(text))


def _rows(statement: Select, params: dict, postgresql: bool) -> list:
    if postgresql:
        return pg_direct.fetch_all(statement, params)
    return db.session.execute(statement, params).all()


class _CapStatements(NamedTuple):
    lock: Select  # the customers' rows, FOR UPDATE in id order (PostgreSQL)
    recent: Select  # the customers' counted messages since a time
    count: Update  # cap_at = now for the rows that go out
    defer: Update  # one row (executemany) back to scheduled until its cap allows it


@lru_cache(maxsize=2)
def _statements(postgresql: bool) -> _CapStatements:
    """Built once, the id lists bound as arrays on PostgreSQL (pg_direct.among): rendering an IN
    list of a claim's ids for each statement cost more than the check itself."""
    def among(column, name):
        return pg_direct.among(column, name, postgresql)

    table = Notification.__table__
    return _CapStatements(
        lock=(select(Customer.id).where(among(Customer.id, "customers")).order_by(Customer.id).with_for_update()),
        recent=(select(_N.customer_id, _N.channel, _N.cap_at)
                .where(among(_N.customer_id, "customers"), _N.cap_at > bindparam("since"))),
        count=update(table).where(among(_N.id, "ids")).values(cap_at=bindparam("now")),
        defer=(update(table)
               .where(_N.id == bindparam("row_id"), _N.claim_token == bindparam("token"), _N.status == S.SENDING)
               .values(status=S.SCHEDULED, scheduled_at=bindparam("wait"), hold_reason="cap", claim_token=None,
                       claimed_at=None, claimed_by=None, attempts=_N.attempts - 1, updated_at=bindparam("now"))),
    )
