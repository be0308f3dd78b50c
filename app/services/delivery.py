"""Claim notifications, send them through their channel, record every attempt, retry or fall back.

Claims are atomic UPDATEs (FOR UPDATE SKIP LOCKED on PostgreSQL), so a row is sent only by the
worker that claimed it. Outcomes are recorded with a conditional UPDATE on the claim token: a
worker whose claim was taken back by the sweeper cannot overwrite the newer state.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import timedelta

from flask import current_app
from sqlalchemy import bindparam, insert, or_, select, update

from app.channels.base import Message, SendResult
from app.extensions import db
from app.models import DeliveryAttempt, Notification, PushSubscription
from app.models.base import utcnow
from app.models.enums import NotificationStatus as S
from app.records import active_push_targets
from app.queue import SEND_NOTIFICATION, enqueue_at, release_lane, request_delivery
from app import catalog, dispatch, integrations
from app.services.channel_pool import get_channel

log = logging.getLogger(__name__)


def _claimable(now):
    return Notification.status.in_(S.CLAIMABLE) & or_(Notification.next_retry_at.is_(None), Notification.next_retry_at <= now)


def claim_due(limit: int) -> tuple[str, list[uuid.UUID]]:
    """Claim up to `limit` due rows (queued, or retrying whose time has come), oldest first."""
    now, token = utcnow(), secrets.token_hex(16)
    # A MATERIALIZED CTE is evaluated once: as a plain IN (subquery), PostgreSQL may re-run the
    # LIMIT ... SKIP LOCKED subquery per row and claim more than `limit`. The rows are locked by the
    # CTE, so the UPDATE joins on id alone (re-checking the status there made PostgreSQL scan
    # every queued row per claim once the table's statistics were stale).
    due = (select(Notification.id).where(_claimable(now)).order_by(Notification.created_at)
           .limit(limit).with_for_update(skip_locked=True).cte("due").prefix_with("MATERIALIZED"))
    ids = list(db.session.scalars(
        update(Notification).where(Notification.id == due.c.id)
        .values(status=S.SENDING, claimed_at=now, claim_token=token, attempts=Notification.attempts + 1)
        .returning(Notification.id)
        .execution_options(synchronize_session=False)
    ))
    db.session.commit()
    return token, ids


def claim_notification(notification_id: uuid.UUID) -> str | None:
    """Claim one row by id; None when it is not claimable (already claimed, sent, not yet due)."""
    now, token = utcnow(), secrets.token_hex(16)
    claimed = db.session.scalars(
        update(Notification).where(Notification.id == notification_id, _claimable(now))
        .values(status=S.SENDING, claimed_at=now, claim_token=token, attempts=Notification.attempts + 1)
        .returning(Notification.id)
        .execution_options(synchronize_session=False)
    ).first()
    db.session.commit()
    return token if claimed else None


_NOTIFICATIONS = Notification.__table__
_C = _NOTIFICATIONS.c
# What sending and recording read of a claimed row (a Core row: no ORM identity map on the hot path).
_CLAIMED_COLUMNS = (_C.id, _C.channel, _C.recipient, _C.subject, _C.body, _C.html_body, _C.payload, _C.customer_id,
                    _C.customer_ref, _C.correlation_id, _C.event_type, _C.attempts, _C.max_attempts, _C.created_at)
# Successes are the common outcome: a record group marks all of them with one executemany (one
# pipelined round trip on PostgreSQL) instead of one UPDATE per message. The claim-token and status
# conditions keep a reclaimed row's newer state safe, as for every other outcome.
_MARK_SENT = (
    update(_NOTIFICATIONS)
    .where(_C.id == bindparam("b_id"), _C.claim_token == bindparam("b_token"), _C.status == S.SENDING)
    .values(status=S.SENT, sent_at=bindparam("b_now"), updated_at=bindparam("b_now"),
            provider_message_id=bindparam("b_pid"), error_code="", error_reason="", next_retry_at=None,
            claim_token=None)
)


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


def deliver_claimed(token: str, ids: list[uuid.UUID]) -> dict[str, int]:
    """Send every claimed row and record each outcome.

    Sends run concurrently (DELIVERY_SEND_CONCURRENCY threads, each with its own kept connections);
    outcomes are recorded by this thread only, committed every DELIVERY_RECORD_GROUP messages. A crash
    before a commit leaves those rows `sending`: the sweeper recovers them (at-least-once).
    """
    config = current_app.config
    counts = {"ok": 0, "transient": 0, "permanent": 0}
    rows = db.session.execute(select(*_CLAIMED_COLUMNS).where(_C.id.in_(ids), _C.claim_token == token)).all()
    work = [(Claimed.of(row), build_message(row)) for row in sorted(rows, key=lambda r: r.created_at)]
    group = max(1, int(config.get("DELIVERY_RECORD_GROUP", 10)))
    pending = _Pending()
    for done, (claimed, result, started, duration_ms) in enumerate(_send_all(work, config), start=1):
        pending.after.append(_record(claimed, token, result, started, duration_ms, pending))
        counts[result.outcome] += 1
        if done % group == 0:
            pending.commit()
    pending.commit()
    return counts


@dataclass
class _Pending:
    """Writes, after-commit actions and outbound events of the current record group."""

    attempts: list = field(default_factory=list)
    sent: list = field(default_factory=list)
    after: list = field(default_factory=list)
    events: list = field(default_factory=list)

    def commit(self) -> None:
        if self.sent:
            db.session.execute(_MARK_SENT, self.sent)
        if self.attempts:
            db.session.execute(insert(DeliveryAttempt.__table__), self.attempts)
        db.session.commit()
        for action in self.after:
            action()
        if self.events:
            integrations.publish(self.events)
        self.attempts.clear()
        self.sent.clear()
        self.after.clear()
        self.events.clear()


def _timed_send(channel: str, message: Message, config) -> tuple[SendResult, object, int]:
    started, clock = utcnow(), time.perf_counter()
    result = get_channel(channel, config).send(message)
    return result, started, int((time.perf_counter() - clock) * 1000)


_pools: dict[int, ThreadPoolExecutor] = {}
_pools_lock = threading.Lock()


def _send_pool(size: int) -> ThreadPoolExecutor:
    with _pools_lock:
        if size not in _pools:
            _pools[size] = ThreadPoolExecutor(max_workers=size, thread_name_prefix="avisos-send")
        return _pools[size]


def _send_all(work: list[tuple[Notification, Message]], config):
    """Yield (row, result, started, duration_ms) as sends complete."""
    size = int(config.get("DELIVERY_SEND_CONCURRENCY", 1))
    if size <= 1 or len(work) <= 1:
        for row, message in work:
            yield (row, *_timed_send(row.channel, message, config))
        return
    pool = _send_pool(size)
    futures = {pool.submit(_timed_send, row.channel, message, config): row for row, message in work}
    for future in as_completed(futures):
        yield (futures[future], *future.result())


def build_message(row: Notification) -> Message:
    targets = active_push_targets(row.customer_id) if row.channel == "push" and row.customer_id else ()
    return Message(
        notification_id=str(row.id), channel=row.channel, recipient=row.recipient, subject=row.subject,
        body=row.body, html_body=row.html_body, payload=row.payload or {}, push_targets=targets,
    )


def _backoff(attempts: int, retry_after: float | None) -> float:
    schedule = current_app.config["RETRY_BACKOFF_SECONDS"]
    delay = float(schedule[min(attempts - 1, len(schedule) - 1)]) if schedule else 30.0
    return max(delay, retry_after or 0.0)


def record_outcome(row: Notification, token: str, result: SendResult, started, duration_ms: int) -> None:
    """Persist the attempt and the row's new state, commit, then schedule the retry or fallback."""
    pending = _Pending()
    pending.after.append(_record(Claimed.of(row), token, result, started, duration_ms, pending))
    pending.commit()


def _record(row: Claimed, token: str, result: SendResult, started, duration_ms: int, pending: _Pending):
    """Write the row's new state and queue its attempt (no commit). Returns what to do after the commit."""
    now = utcnow()
    pending.attempts.append({
        "id": uuid.uuid4(), "notification_id": row.id, "number": row.attempts, "channel": row.channel,
        "outcome": result.outcome, "error_code": result.error_code, "error_message": result.error_message[:2000],
        "provider_message_id": result.provider_message_id, "response_summary": result.response_summary[:2000],
        "started_at": started, "duration_ms": duration_ms,
    })
    _update_push_targets(result, now)
    if result.ok:
        pending.sent.append({"b_id": row.id, "b_token": token, "b_now": now, "b_pid": result.provider_message_id})
        pending.events.append(("notification.sent", row.event_data(S.SENT, provider_message_id=result.provider_message_id)))
        return _nothing_after
    values: dict = {"claim_token": None, "updated_at": now}
    retry_at = None
    if result.outcome == "transient" and row.attempts < row.max_attempts:
        retry_at = now + timedelta(seconds=_backoff(row.attempts, result.retry_after))
        values.update(status=S.RETRYING, next_retry_at=retry_at, error_code=result.error_code,
                      error_reason=result.error_message[:2000])
    else:
        values.update(status=S.FAILED, failed_at=now, next_retry_at=None, error_code=result.error_code,
                      error_reason=result.error_message[:2000])
    changed = db.session.execute(
        update(_NOTIFICATIONS).where(_C.id == row.id, _C.claim_token == token, _C.status == S.SENDING)
        .values(**values)
    ).rowcount
    fallback = add_fallback(row.id) if changed and values["status"] == S.FAILED else None
    if result.config_problem:
        log.error("channel %s configuration problem: %s", row.channel, result.error_code)
    if changed and values["status"] == S.FAILED:
        pending.events.append(("notification.failed", row.event_data(
            S.FAILED, error_code=result.error_code, error_reason=values["error_reason"])))
    if fallback is not None:
        pending.events.append(("notification.fallback", row.event_data(
            S.FAILED, fallback_id=str(fallback.id), fallback_channel=fallback.channel, fallback_status=fallback.status)))
    queued_fallback = fallback is not None and fallback.status == S.QUEUED
    return lambda: _after_commit(row.id, row.attempts, retry_at, queued_fallback)


def _nothing_after() -> None:
    return None


def _update_push_targets(result: SendResult, now) -> None:
    if result.gone_push_targets:
        db.session.execute(update(PushSubscription).where(
            PushSubscription.id.in_([uuid.UUID(i) for i in result.gone_push_targets]))
            .values(is_active=False, last_failure_at=now, failure_count=PushSubscription.failure_count + 1,
                    deactivated_reason="gone (404/410 from the push service)"))
    if result.delivered_push_targets:
        db.session.execute(update(PushSubscription).where(
            PushSubscription.id.in_([uuid.UUID(i) for i in result.delivered_push_targets]))
            .values(last_success_at=now, failure_count=0))


def add_fallback(notification_id: uuid.UUID) -> Notification | None:
    """Plan the failed row's fallback into the session (not committed); None when there is none."""
    row = db.session.get(Notification, notification_id, populate_existing=True)
    try:
        fallback = dispatch.fallback_row(row, catalog.get_snapshot())
    except Exception:  # noqa: BLE001 - a fallback that cannot be planned must not lose the failure record
        log.exception("fallback planning failed for notification %s", notification_id)
        return None
    if fallback is not None:
        db.session.add(fallback)
    return fallback


def _after_commit(row_id: uuid.UUID, attempts: int, retry_at, queued_fallback: bool) -> None:
    if retry_at is not None:
        enqueue_at(retry_at, "notifications", SEND_NOTIFICATION, str(row_id), job_id=f"retry-{row_id}-{attempts}")
    if queued_fallback:
        request_delivery()


def deliver_due(batch_size: int, budget_seconds: float) -> dict[str, int]:
    """Claim and send batches until nothing is due or the time budget is spent.

    Returns counts; `more` is 1 when it stopped on the budget with work possibly left.
    """
    totals = {"ok": 0, "transient": 0, "permanent": 0, "more": 0}
    deadline = time.monotonic() + budget_seconds
    while True:
        token, ids = claim_due(batch_size)
        if not ids:
            return totals
        for key, value in deliver_claimed(token, ids).items():
            totals[key] += value
        if time.monotonic() >= deadline:
            totals["more"] = 1
            return totals


def drain_lane(lane: int) -> dict[str, int]:
    """A delivery lane's job: drain due notifications in batches. The lane marker is cleared before
    the table is read, so any row committed while the job waited in the queue is seen; a lane that
    stops on its time budget asks for another."""
    release_lane(lane)
    config = current_app.config
    totals = deliver_due(config["DELIVERY_BATCH_SIZE"], config["DELIVERY_JOB_BUDGET_SECONDS"])
    if totals.pop("more"):
        request_delivery()
    return totals


def deliver_one(notification_id: str) -> bool:
    """Claim and send one row by id (scheduled retries, resends). False when not claimable."""
    token = claim_notification(uuid.UUID(notification_id))
    if token is None:
        return False
    deliver_claimed(token, [uuid.UUID(notification_id)])
    return True
