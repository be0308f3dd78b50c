"""Recording outcomes: every attempt is written, and the row moves on with a conditional UPDATE on
its claim token (a worker whose claim was taken back cannot overwrite the newer state): sent,
retrying with a backoff (its job scheduled), or failed with a fallback row on the next channel.
Outcomes are committed in record groups, written again (never sent again) when a lost connection
drops a group's COMMIT; retries and fallbacks are handed over after the commit. give_back puts the
rows of a claim whose holder is gone back on their way.
"""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta

from flask import current_app
from sqlalchemy import bindparam, insert, select, update

from app import catalog, dispatch, integrations
from app.channels.base import SendResult
from app.db_health import retry_transient
from app.delivery.claim import NOTIFICATIONS, Claimed
from app.extensions import db
from app.models import DeliveryAttempt, Notification, PushSubscription
from app.models.base import utcnow
from app.models.enums import NotificationStatus as S
from app.queue import SEND_NOTIFICATION, enqueue_at, request_delivery

log = logging.getLogger(__name__)

_C = NOTIFICATIONS.c
# Successes are the common outcome: a record group marks all of them with one executemany (one
# pipelined round trip on PostgreSQL) instead of one UPDATE per message. The claim-token and status
# conditions keep a reclaimed row's newer state safe, as for every other outcome.
_MARK_SENT = (
    update(NOTIFICATIONS)
    .where(_C.id == bindparam("b_id"), _C.claim_token == bindparam("b_token"), _C.status == S.SENDING)
    .values(status=S.SENT, sent_at=bindparam("b_now"), updated_at=bindparam("b_now"),
            provider_message_id=bindparam("b_pid"), error_code="", error_reason="", next_retry_at=None,
            claim_token=None)
)



class Pending:
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
            integrations.publish(events)
        self.attempts, self.sent, self.writes, self.events = [], [], [], []

    def _landed(self) -> bool:
        first = self.attempts[0]["id"]
        found = db.session.scalar(select(DeliveryAttempt.id).where(DeliveryAttempt.id == first)) is not None
        db.session.commit()
        return found


def _backoff(attempts: int, retry_after: float | None) -> float:
    schedule = current_app.config["RETRY_BACKOFF_SECONDS"]
    delay = float(schedule[min(attempts - 1, len(schedule) - 1)]) if schedule else 30.0
    return max(delay, retry_after or 0.0)


def record_outcome(row: Notification, token: str, result: SendResult, started, duration_ms: int) -> None:
    """Persist the attempt and the row's new state, commit, then schedule the retry or fallback."""
    pending = Pending(current_app.config)
    record(Claimed.of(row), token, result, started, duration_ms, pending)
    pending.commit()


def record(row: Claimed, token: str, result: SendResult, started, duration_ms: int, pending: Pending) -> None:
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
        update(NOTIFICATIONS).where(_C.id == row.id, _C.claim_token == token, _C.status == S.SENDING)
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
        fallback = dispatch.fallback_row(row, catalog.get_snapshot())
    except Exception:  # noqa: BLE001 - a fallback that cannot be planned must not lose the failure record
        log.exception("fallback planning failed for notification %s", notification_id)
        return None
    if fallback is not None:
        db.session.add(fallback)
    return fallback


def _after_commit(row_id: uuid.UUID, attempts: int, retry_at, queued_fallback: bool) -> None:
    if retry_at is not None:
        enqueue_at(retry_at, "notifications", SEND_NOTIFICATION, str(row_id), attempts,
                   job_id=f"retry-{row_id}-{attempts}")
    if queued_fallback:
        request_delivery()




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
