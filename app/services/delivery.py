"""Claim notifications, send them through their channel, record every attempt, retry or fall back.

Claims are atomic UPDATEs (FOR UPDATE SKIP LOCKED on PostgreSQL), so a row is sent only by the
worker that claimed it; a claim names its process (`claimed_by`, services/claimers.py) so the
rows of a process that dies are given back at once. Outcomes are recorded with a conditional
UPDATE on the claim token: a worker whose claim was taken back cannot overwrite the newer state.

A lost database connection never costs a send twice when it can be helped: a claim whose answer
was lost is read back by its token, and a record group whose connection drops is written again
(not sent again) once the database answers (services/db_health.py).
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
import uuid
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import timedelta
from itertools import chain

from flask import current_app
from sqlalchemy import bindparam, insert, or_, select, update

from app.channels.base import Message, SendResult
from app.extensions import db
from app.models import DeliveryAttempt, Notification, PushSubscription
from app.models.base import utcnow
from app.models.enums import NotificationStatus as S
from app.services import outbound, planner
from app.services.channel_pool import get_channel
from app.services.claimers import claimer_id
from app.services.db_health import is_transient, retry_transient
from app.services.provider_lookup import look_up_unsure, unsure_since
from app.services.recipients import active_push_targets
from app.services.snapshot import get_snapshot

log = logging.getLogger(__name__)


def _claimable(now):
    return Notification.status.in_(S.CLAIMABLE) & or_(Notification.next_retry_at.is_(None), Notification.next_retry_at <= now)


# A worker waits this long for the database when claiming; then the job fails and the watch
# (jobs/watch.py) wakes a lane again later.
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
        return outbound.notification_data(self, status=status, attempt=self.attempts, **extra)


def deliver_claimed(token: str, ids: list[uuid.UUID]) -> dict[str, int]:
    """Send every claimed row and record each outcome.

    Sends run concurrently (DELIVERY_SEND_CONCURRENCY threads, each with its own kept connections);
    outcomes are recorded by this thread only, committed every DELIVERY_RECORD_GROUP messages. A
    new send starts only when this thread takes an outcome, so at most
    DELIVERY_RECORD_GROUP + DELIVERY_SEND_CONCURRENCY - 1 messages are ever sent without their
    outcome committed: what a crash can make the sweeper send twice (at-least-once). A job that
    stops with an error gives its unrecorded rows back at once.
    """
    config = current_app.config
    counts = {"ok": 0, "transient": 0, "permanent": 0}
    work = retry_transient(lambda: _claimed_work(token, ids), deadline_seconds=_CLAIM_RETRY_SECONDS,
                               what="reading claimed notifications")
    group = max(1, int(config.get("DELIVERY_RECORD_GROUP", 10)))
    pending = _Pending(config)
    try:
        known, work = look_up_unsure(work, config)
        outcomes = chain(known, _send_all(work, config))
        for done, (claimed, result, started, duration_ms) in enumerate(outcomes, start=1):
            _record(claimed, token, result, started, duration_ms, pending)
            counts[result.outcome] += 1
            if done % group == 0:
                pending.commit()
        pending.commit()
    except BaseException:
        _give_back_after_error(token)
        raise
    return counts


def _claimed_work(token: str, ids: list[uuid.UUID]) -> list[tuple[Claimed, Message]]:
    rows = db.session.execute(select(*_CLAIMED_COLUMNS).where(_C.id.in_(ids), _C.claim_token == token)).all()
    unsure = unsure_since(rows)
    work = [(Claimed.of(row), build_message(row, unsure.get(row.id))) for row in sorted(rows, key=lambda r: r.created_at)]
    db.session.commit()
    return work


def _give_back_after_error(token: str) -> None:
    """A delivery that stops with an error (the database gone past the retries, a job timeout)
    gives its unrecorded rows back at once rather than after SENDING_TIMEOUT_SECONDS (best
    effort: when the database is gone too, the timeout still applies)."""
    try:
        db.session.rollback()
        give_back(_C.claim_token == token, "delivery_interrupted",
                  "The delivery job stopped before recording the outcome.")
    except Exception:  # noqa: BLE001 - the original error is the one to report
        log.warning("could not give back the rows of an interrupted delivery", exc_info=True)


class _Pending:
    """The writes, after-commit actions and outbound events of the current record group.

    Writes are kept until commit() so a group whose connection drops can be written again (never
    sent again): every write is guarded by the claim token, and the attempts' ids tell whether a
    COMMIT whose answer was lost had landed.
    """

    def __init__(self, config):
        self.deadline = max(10.0, float(config.get("SENDING_TIMEOUT_SECONDS", 300)) / 2)
        self.attempts: list[dict] = []
        self.sent: list[dict] = []
        self.writes: list = []  # callables: write now, return (after-commit action, events)
        self.events: list = []

    def commit(self) -> None:
        if not (self.attempts or self.sent or self.writes):
            return
        outcome: dict = {}

        def write_group():
            if outcome and self._landed():
                return outcome["done"]  # the COMMIT whose answer was lost had landed
            outcome.clear()
            after, events = [], list(self.events)
            if self.sent:
                db.session.execute(_MARK_SENT, self.sent)
            for write in self.writes:
                action, more = write()
                after.append(action)
                events.extend(more)
            if self.attempts:
                db.session.execute(insert(DeliveryAttempt.__table__), self.attempts)
            outcome["done"] = (after, events)
            db.session.commit()
            return after, events

        after, events = retry_transient(write_group, deadline_seconds=self.deadline,
                                            what="recording delivery outcomes")
        for action in after:
            action()
        if events:
            outbound.publish(events)
        self.attempts, self.sent, self.writes, self.events = [], [], [], []

    def _landed(self) -> bool:
        first = self.attempts[0]["id"]
        found = db.session.scalar(select(DeliveryAttempt.id).where(DeliveryAttempt.id == first)) is not None
        db.session.commit()
        return found


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


def _send_all(work: list[tuple[Claimed, Message]], config):
    """Yield (row, result, started, duration_ms) as sends complete. At most
    DELIVERY_SEND_CONCURRENCY sends are in flight, and the next one starts only when the caller
    takes an outcome: sends never run ahead of recording."""
    size = int(config.get("DELIVERY_SEND_CONCURRENCY", 1))
    if size <= 1 or len(work) <= 1:
        for row, message in work:
            yield (row, *_timed_send(row.channel, message, config))
        return
    pool = _send_pool(size)
    waiting = iter(work)
    in_flight: dict = {}

    def start_next() -> None:
        item = next(waiting, None)
        if item is not None:
            row, message = item
            in_flight[pool.submit(_timed_send, row.channel, message, config)] = row

    for _ in range(size):
        start_next()
    while in_flight:
        done, _ = wait(in_flight, return_when=FIRST_COMPLETED)
        for future in done:
            row = in_flight.pop(future)
            yield (row, *future.result())
            start_next()


def build_message(row: Notification, unsure_since=None) -> Message:
    targets = active_push_targets(row.customer_id) if row.channel == "push" and row.customer_id else ()
    return Message(
        notification_id=str(row.id), channel=row.channel, recipient=row.recipient, subject=row.subject,
        body=row.body, html_body=row.html_body, payload=row.payload or {}, push_targets=targets,
        unsure_since=unsure_since,
    )


def _backoff(attempts: int, retry_after: float | None) -> float:
    schedule = current_app.config["RETRY_BACKOFF_SECONDS"]
    delay = float(schedule[min(attempts - 1, len(schedule) - 1)]) if schedule else 30.0
    return max(delay, retry_after or 0.0)


def record_outcome(row: Notification, token: str, result: SendResult, started, duration_ms: int) -> None:
    """Persist the attempt and the row's new state, commit, then schedule the retry or fallback."""
    pending = _Pending(current_app.config)
    _record(Claimed.of(row), token, result, started, duration_ms, pending)
    pending.commit()


def _record(row: Claimed, token: str, result: SendResult, started, duration_ms: int, pending: _Pending) -> None:
    """Queue the attempt and the row's new state in the record group (written at its commit)."""
    pending.attempts.append({
        "id": uuid.uuid4(), "notification_id": row.id, "number": row.attempts, "channel": row.channel,
        "outcome": result.outcome, "error_code": result.error_code, "error_message": result.error_message[:2000],
        "provider_message_id": result.provider_message_id, "response_summary": result.response_summary[:2000],
        "started_at": started, "duration_ms": duration_ms,
    })
    if result.config_problem:
        log.error("channel %s configuration problem: %s", row.channel, result.error_code)
    if result.gone_push_targets or result.delivered_push_targets:
        pending.writes.append(lambda: _update_push_targets(result, utcnow()))
    if result.ok:
        pending.sent.append({"b_id": row.id, "b_token": token, "b_now": utcnow(), "b_pid": result.provider_message_id})
        pending.events.append(("notification.sent", row.event_data(S.SENT, provider_message_id=result.provider_message_id)))
        return
    pending.writes.append(lambda: _write_failure(row, token, result))


def _write_failure(row: Claimed, token: str, result: SendResult):
    """The row's retry or failure (and fallback). Returns (after-commit action, events)."""
    now = utcnow()
    values: dict = {"claim_token": None, "updated_at": now, "error_code": result.error_code,
                    "error_reason": result.error_message[:2000]}
    retry_at = None
    if result.outcome == "transient" and row.attempts < row.max_attempts:
        retry_at = now + timedelta(seconds=_backoff(row.attempts, result.retry_after))
        values.update(status=S.RETRYING, next_retry_at=retry_at)
    else:
        values.update(status=S.FAILED, failed_at=now, next_retry_at=None)
    changed = db.session.execute(
        update(_NOTIFICATIONS).where(_C.id == row.id, _C.claim_token == token, _C.status == S.SENDING)
        .values(**values)
    ).rowcount
    failed = changed and values["status"] == S.FAILED
    fallback = add_fallback(row.id) if failed else None
    events = []
    if failed:
        events.append(("notification.failed", row.event_data(
            S.FAILED, error_code=result.error_code, error_reason=values["error_reason"])))
    if fallback is not None:
        events.append(("notification.fallback", row.event_data(
            S.FAILED, fallback_id=str(fallback.id), fallback_channel=fallback.channel, fallback_status=fallback.status)))
    queued_fallback = fallback is not None and fallback.status == S.QUEUED
    if not changed:
        return _nothing_after, events
    return (lambda: _after_commit(row.id, row.attempts, retry_at, queued_fallback)), events


def _nothing_after() -> None:
    return None


def _update_push_targets(result: SendResult, now):
    if result.gone_push_targets:
        db.session.execute(update(PushSubscription).where(
            PushSubscription.id.in_([uuid.UUID(i) for i in result.gone_push_targets]))
            .values(is_active=False, last_failure_at=now, failure_count=PushSubscription.failure_count + 1,
                    deactivated_reason="gone (404/410 from the push service)"))
    if result.delivered_push_targets:
        db.session.execute(update(PushSubscription).where(
            PushSubscription.id.in_([uuid.UUID(i) for i in result.delivered_push_targets]))
            .values(last_success_at=now, failure_count=0))
    return _nothing_after, []


def add_fallback(notification_id: uuid.UUID) -> Notification | None:
    """Plan the failed row's fallback into the session (not committed); None when there is none."""
    row = db.session.get(Notification, notification_id, populate_existing=True)
    try:
        fallback = planner.fallback_row(row, get_snapshot())
    except Exception:  # noqa: BLE001 - a fallback that cannot be planned must not lose the failure record
        log.exception("fallback planning failed for notification %s", notification_id)
        return None
    if fallback is not None:
        db.session.add(fallback)
    return fallback


def _after_commit(row_id: uuid.UUID, attempts: int, retry_at, queued_fallback: bool) -> None:
    from jobs.delivery import send_notification
    from jobs.runtime import runner

    if retry_at is not None:
        runner().enqueue_at(retry_at, "notifications", send_notification, str(row_id), attempts,
                            job_id=f"retry-{row_id}-{attempts}")
    if queued_fallback:
        runner().request_delivery()


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


def deliver_one(notification_id: str, attempt: int | None = None) -> bool:
    """Claim and send one row by id (scheduled retries, resends). False when not claimable. A
    retry scheduled after attempt `attempt` that runs before its time (clocks, a scheduler's
    rounding) is scheduled again for it; one overtaken by a later attempt does nothing."""
    row_id = uuid.UUID(notification_id)
    token = claim_notification(row_id)
    if token is None:
        _reschedule_if_early(row_id, attempt)
        return False
    deliver_claimed(token, [row_id])
    return True


def _reschedule_if_early(row_id: uuid.UUID, attempt: int | None) -> None:
    from jobs.delivery import send_notification
    from jobs.runtime import runner

    row = db.session.execute(select(_C.status, _C.next_retry_at, _C.attempts).where(_C.id == row_id)).first()
    db.session.commit()
    if row is None or row.status != S.RETRYING or row.next_retry_at is None or row.next_retry_at <= utcnow():
        return
    if attempt is not None and attempt != row.attempts:
        return  # a later attempt has scheduled its own retry
    log.info("retry of notification %s ran %.3f s early; scheduled again", row_id,
             (row.next_retry_at - utcnow()).total_seconds())
    runner().enqueue_at(row.next_retry_at, "notifications", send_notification, str(row_id), row.attempts,
                        job_id=f"retry-{row_id}-{row.attempts}-{secrets.token_hex(4)}")


def give_back(condition, error_code: str, reason: str) -> int:
    """Rows still `sending` that match `condition` (a claim whose holder is gone) become due again,
    each with an attempt recording `error_code` (its outcome is unknown: at-least-once), or failed
    with its fallback when its attempts are spent. Commits; returns how many."""
    stuck = db.session.scalars(
        select(Notification).where(Notification.status == S.SENDING, condition).with_for_update(skip_locked=True)
    ).all()
    now = utcnow()
    exhausted: list[Notification] = []
    for row in stuck:
        db.session.add(DeliveryAttempt(
            notification_id=row.id, number=row.attempts, channel=row.channel or "", outcome="transient",
            error_code=error_code, error_message=reason, started_at=row.claimed_at or now,
        ))
        row.claim_token, row.error_code, row.error_reason = None, error_code, reason
        if row.attempts >= row.max_attempts:
            row.status, row.failed_at = S.FAILED, now
            exhausted.append(row)
        else:
            row.status, row.next_retry_at = S.RETRYING, now
    db.session.flush()
    for row in exhausted:
        add_fallback(row.id)
    db.session.commit()
    return len(stuck)
