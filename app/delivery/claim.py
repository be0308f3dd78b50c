"""Claiming due notifications: one atomic UPDATE moves a row to `sending` with a fresh claim token
(FOR UPDATE SKIP LOCKED on PostgreSQL), so a row is sent only by the worker that claimed it. A claim
names its process (`claimed_by`, claimers.py) so the rows of a process that dies are given back at
once, and a claim whose answer a lost connection swallowed is read back by its token."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import bindparam, or_, select, update

from app import integrations, pg_direct
from app.db_health import is_transient, retry_transient
from app.delivery.claimers import claimer_id
from app.extensions import db
from app.models import DispatchEvent, Notification
from app.models.base import utcnow
from app.models.enums import NotificationStatus as S

NOTIFICATIONS = Notification.__table__
_C = NOTIFICATIONS.c
# What sending and recording read of a claimed row (a Core row: no ORM identity map on the hot path).
_CLAIMED_COLUMNS = (_C.id, _C.channel, _C.recipient, _C.subject, _C.body, _C.html_body, _C.payload, _C.customer_id,
                    _C.customer_ref, _C.correlation_id, _C.event_type, _C.attempts, _C.max_attempts, _C.created_at)
# What the per-customer cap check reads besides (with the event's workshop_id).
_CAPPED_COLUMNS = (_C.target, _C.urgent, _C.cap_at)


def _claimable(now):
    return Notification.status.in_(S.CLAIMABLE) & or_(Notification.next_retry_at.is_(None), Notification.next_retry_at <= now)


# A worker waits this long for the database when claiming; then the job fails and the watch
# (watch.py) wakes a lane again later.
_CLAIM_RETRY_SECONDS = 30.0


def claim_due(limit: int) -> tuple[str, list[uuid.UUID]]:
    """Claim up to `limit` due rows (queued, or retrying whose time has come), oldest first."""
    now, token = utcnow(), secrets.token_hex(16)
    # A MATERIALIZED CTE is evaluated once: as a plain IN (subquery), PostgreSQL may re-run the
    # LIMIT ... SKIP LOCKED subquery per row and claim more than `limit`. The rows are locked by the
    # CTE, so the UPDATE joins on id alone (re-checking the status there made PostgreSQL scan
    # every queued row per claim once the table's statistics were stale).
    due = (select(Notification.id).where(_claimable(now)).order_by(Notification.created_at)
           .limit(limit).with_for_update(skip_locked=True).cte("due").prefix_with("MATERIALIZED"))
    statement = (update(Notification).where(Notification.id == due.c.id)
                 .values(**_claim_values(now, token)).returning(Notification.id)
                 .execution_options(synchronize_session=False))
    return token, _claim(statement, token)


def claim_notification(notification_id: uuid.UUID) -> str | None:
    """Claim one row by id; None when it is not claimable (already claimed, sent, not yet due)."""
    now, token = utcnow(), secrets.token_hex(16)
    statement = (update(Notification).where(Notification.id == notification_id, _claimable(now))
                 .values(**_claim_values(now, token)).returning(Notification.id)
                 .execution_options(synchronize_session=False))
    return token if _claim(statement, token) else None


def _claim_values(now, token: str) -> dict:
    return {"status": S.SENDING, "claimed_at": now, "claim_token": token, "claimed_by": claimer_id(),
            "attempts": Notification.attempts + 1}


def _claim(statement, token: str) -> list[uuid.UUID]:
    """Run a claim UPDATE and commit. When the connection is lost on the way the UPDATE may have
    committed all the same: once the database answers, the rows holding `token` are read back
    (they are ours); when there are none, the claim runs again."""

    def attempt() -> list[uuid.UUID]:
        try:
            ids = list(db.session.scalars(statement))
            db.session.commit()
            return ids
        except Exception as err:
            if not is_transient(err):
                raise
            db.session.rollback()
            claimed = list(db.session.scalars(select(_C.id).where(_C.claim_token == token, _C.status == S.SENDING)))
            db.session.commit()
            if claimed:
                return claimed
            raise

    return retry_transient(attempt, deadline_seconds=_CLAIM_RETRY_SECONDS, what="claiming notifications")


@dataclass(frozen=True)
class Claimed:
    """What recording needs of a claimed row, read once (commits expire ORM rows)."""

    id: uuid.UUID
    channel: str
    attempts: int
    max_attempts: int
    customer_ref: str = ""
    correlation_id: str = ""
    event_type: str = ""

    @classmethod
    def of(cls, row) -> "Claimed":
        return cls(row.id, row.channel, row.attempts, row.max_attempts, row.customer_ref or "",
                   row.correlation_id or "", row.event_type or "")

    def event_data(self, status: str, **extra) -> dict:
        """The `data` of an outbound notification.* event for this row."""
        return integrations.notification_data(self, status=status, attempt=self.attempts, **extra)


def claimed_rows(token: str, ids: list[uuid.UUID]) -> list:
    """The rows this claim holds, oldest first, with what the cap check (caps.py), sending and
    recording read of them."""
    statement = _claimed_rows_statement(pg_direct.active())
    rows = db.session.execute(statement, {"ids": ids, "token": token}).all()
    return sorted(rows, key=lambda r: r.created_at)


@lru_cache(maxsize=2)
def _claimed_rows_statement(postgresql: bool):
    events = DispatchEvent.__table__
    return (select(*_CLAIMED_COLUMNS, *_CAPPED_COLUMNS, events.c.workshop_id)
            .join_from(NOTIFICATIONS, events, events.c.id == _C.event_id, isouter=True)  # never drops a row
            .where(pg_direct.among(_C.id, "ids", postgresql), _C.claim_token == bindparam("token")))
