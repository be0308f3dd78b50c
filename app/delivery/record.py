"""Recording outcomes: every attempt is written, and the row moves on with a conditional UPDATE on
its claim token (a worker whose claim the sweeper took back cannot overwrite the newer state):
sent, retrying with a backoff (its job scheduled), or failed with a fallback row on the next channel.
Outcomes are committed in record groups; retries and fallbacks are handed over after the commit.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from datetime import timedelta

from flask import current_app
from sqlalchemy import bindparam, insert, update

from app import catalog, dispatch, integrations
from app.channels.base import SendResult
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


@dataclass
class Pending:
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


def _backoff(attempts: int, retry_after: float | None) -> float:
    schedule = current_app.config["RETRY_BACKOFF_SECONDS"]
    delay = float(schedule[min(attempts - 1, len(schedule) - 1)]) if schedule else 30.0
    return max(delay, retry_after or 0.0)


def record_outcome(row: Notification, token: str, result: SendResult, started, duration_ms: int) -> None:
    """Persist the attempt and the row's new state, commit, then schedule the retry or fallback."""
    pending = Pending()
    pending.after.append(record(Claimed.of(row), token, result, started, duration_ms, pending))
    pending.commit()


def record(row: Claimed, token: str, result: SendResult, started, duration_ms: int, pending: Pending):
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
        update(NOTIFICATIONS).where(_C.id == row.id, _C.claim_token == token, _C.status == S.SENDING)
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
