"""Webhook delivery: queue messages, send one message, retry on the schedule, disable endpoints
that keep failing.

The message row is the truth (as for notifications): a job claims a due row atomically, sends it,
records the attempt and schedules the next one; the sweep (`deliver_due`) finds whatever a lost job
or a mode without a scheduler (embedded, inline) left due, and recovers rows stuck in `sending`.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import requests
from flask import current_app
from sqlalchemy import func, insert, or_, select, update

from app import audit, net_guard
from app.extensions import db
from app.integrations import live
from app.integrations.events import envelope
from app.integrations.webhooks import endpoints, signing, subscriptions
from app.models import WebhookAttempt, WebhookEndpoint, WebhookMessage
from app.models.base import utcnow
from app.models.webhooks import WebhookMessageStatus as M
from app.queue import DELIVER_WEBHOOK, DELIVER_WEBHOOK_BATCH, enqueue, enqueue_at

log = logging.getLogger(__name__)

EXCERPT_BYTES = 1024
EXCERPT_CHARS = 500
BATCH = 50
_local = threading.local()


@dataclass(frozen=True)
class Outcome:
    ok: bool
    status_code: int | None
    error: str
    excerpt: str
    duration_ms: int


def queue_messages(rows: list[dict]) -> list[uuid.UUID]:
    """Insert one message per (endpoint, event) in one statement of its own transaction, then
    hand them to the `webhooks` queue. Rows carry endpoint_id, event_type, payload."""
    now = utcnow()
    for row in rows:
        row.update(id=uuid.uuid4(), status=M.PENDING, attempts=0, next_attempt_at=now, created_at=now, last_error="")
    with db.engine.begin() as conn:
        conn.execute(insert(WebhookMessage.__table__), rows)
    ids = [row["id"] for row in rows]
    _enqueue(ids)
    return ids


def _enqueue(ids: list[uuid.UUID]) -> None:
    for start in range(0, len(ids), BATCH):
        enqueue("webhooks", DELIVER_WEBHOOK_BATCH, [str(i) for i in ids[start:start + BATCH]])


def _claim(message_id: uuid.UUID, now: datetime) -> bool:
    claimed = db.session.execute(
        update(WebhookMessage)
        .where(WebhookMessage.id == message_id, WebhookMessage.status.in_(M.DUE),
               or_(WebhookMessage.next_attempt_at.is_(None), WebhookMessage.next_attempt_at <= now))
        .values(status=M.SENDING, claimed_at=now)
    ).rowcount
    db.session.commit()
    return bool(claimed)


def send_message(message_id: str | uuid.UUID, now: datetime | None = None) -> str | None:
    """Send one due message once; returns its new status, or None when it was not due (or is gone)."""
    key = message_id if isinstance(message_id, uuid.UUID) else uuid.UUID(str(message_id))
    now = now or utcnow()
    if not _claim(key, now):
        return None
    message = db.session.get(WebhookMessage, key)
    endpoint = message.endpoint
    if not endpoint.active or endpoint.disabled_at is not None:
        message.status, message.claimed_at, message.last_error = M.FAILED, None, "endpoint_disabled"
        db.session.commit()
        return M.FAILED
    url, payload, msg_id, keys = endpoint.url, message.payload, message.webhook_id, endpoints.signing_secrets(endpoint)
    db.session.commit()  # no transaction held open while waiting on the receiver
    started = utcnow()
    outcome = post(url, payload.encode(), msg_id, keys)
    return _record(key, started, outcome)


def send_batch(message_ids: list[str]) -> dict[str, int]:
    """Send freshly queued messages one after another; returns counts per resulting status."""
    counts: dict[str, int] = {}
    for message_id in message_ids:
        status = send_message(message_id) or "skipped"
        counts[status] = counts.get(status, 0) + 1
    return counts


def _session() -> tuple[requests.Session, net_guard.PinnedAdapter]:
    """This thread's session (kept-alive connections), connecting only to pinned addresses."""
    kept = getattr(_local, "session", None)
    if kept is None:
        session, adapter = requests.Session(), net_guard.PinnedAdapter()
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        kept = _local.session = (session, adapter)
    return kept


def post(url: str, body: bytes, msg_id: str, keys: list[str]) -> Outcome:
    """POST a signed body to the address the URL check saw; any 2xx within
    WEBHOOK_TIMEOUT_SECONDS is a success."""
    checked = endpoints.target(url)
    if checked.problem is not None:
        return Outcome(False, None, "address_not_allowed", checked.problem[:EXCERPT_CHARS], 0)
    if not keys:
        return Outcome(False, None, "secret_unreadable", "SECRET_KEY changed; rotate this endpoint's secret.", 0)
    headers = {"Content-Type": "application/json", "User-Agent": "Avisos-Webhooks/1.0",
               **signing.headers(keys, msg_id, int(time.time()), body)}
    start = time.monotonic()
    session, adapter = _session()
    adapter.pin(checked)
    try:
        with session.post(url, data=body, headers=headers, allow_redirects=False, stream=True,
                             timeout=current_app.config["WEBHOOK_TIMEOUT_SECONDS"]) as response:
            raw = response.raw.read(EXCERPT_BYTES, decode_content=True) or b""
            code = response.status_code
    except requests.Timeout:
        return Outcome(False, None, "timeout", "", _ms(start))
    except requests.RequestException as err:
        return Outcome(False, None, "connection_error", str(err)[:EXCERPT_CHARS], _ms(start))
    excerpt = raw.decode("utf-8", errors="replace")[:EXCERPT_CHARS]
    ok = 200 <= code < 300
    return Outcome(ok, code, "" if ok else f"http_{code}", excerpt, _ms(start))


def _ms(start: float) -> int:
    return int((time.monotonic() - start) * 1000)


def _record(key: uuid.UUID, started: datetime, outcome: Outcome) -> str:
    message = db.session.get(WebhookMessage, key, populate_existing=True)
    number = message.attempts + 1
    db.session.add(WebhookAttempt(
        message_id=key, endpoint_id=message.endpoint_id, number=number, outcome="ok" if outcome.ok else "failed",
        status_code=outcome.status_code, error=outcome.error[:255], response_excerpt=outcome.excerpt,
        duration_ms=outcome.duration_ms, started_at=started,
    ))
    message.attempts, message.claimed_at = number, None
    message.last_status_code, message.last_error = outcome.status_code, outcome.error[:255]
    retry_at, disabled = None, False
    if outcome.ok:
        message.status, message.delivered_at, message.next_attempt_at = M.DELIVERED, utcnow(), None
        db.session.execute(update(WebhookEndpoint).where(WebhookEndpoint.id == message.endpoint_id)
                           .values(failing_since=None))
    else:
        schedule = current_app.config["WEBHOOK_RETRY_SCHEDULE"]
        if number < len(schedule):
            retry_at = utcnow() + timedelta(seconds=schedule[number])
            message.status, message.next_attempt_at = M.RETRYING, retry_at
        else:
            message.status, message.next_attempt_at = M.FAILED, None
        disabled = _note_failure(message.endpoint_id, started)
    status, endpoint_id = message.status, message.endpoint_id
    db.session.commit()
    _after_record(key, number, retry_at, endpoint_id if disabled else None)
    return status


def _note_failure(endpoint_id: uuid.UUID, at: datetime) -> bool:
    """Extend the endpoint's failure streak; disable it once the streak reaches the limit.
    Returns True when this call disabled it."""
    db.session.execute(update(WebhookEndpoint).where(WebhookEndpoint.id == endpoint_id)
                       .values(failing_since=func.coalesce(WebhookEndpoint.failing_since, at)))
    limit = timedelta(seconds=current_app.config["WEBHOOK_DISABLE_AFTER_SECONDS"])
    days = limit.total_seconds() / 86400
    reason = f"Desactivado automáticamente: {days:g} días seguidos de fallos."
    disabled = db.session.execute(
        update(WebhookEndpoint)
        .where(WebhookEndpoint.id == endpoint_id, WebhookEndpoint.disabled_at.is_(None),
               WebhookEndpoint.failing_since <= at - limit)
        .values(disabled_at=utcnow(), active=False, disabled_reason=reason)
        .execution_options(audit_recorded=True)  # recorded just below, as the system's "disable"
    ).rowcount
    if disabled:
        audit.record("webhook", endpoint_id, "disable", changes={"active": [True, False], "disabled_reason": reason},
                     actor=audit.SYSTEM)
    return bool(disabled)


def _after_record(key: uuid.UUID, number: int, retry_at: datetime | None, disabled: uuid.UUID | None) -> None:
    if retry_at is not None:
        enqueue_at(retry_at, "webhooks", DELIVER_WEBHOOK, str(key), job_id=f"webhook-{key}-{number}")
    if disabled is not None:
        subscriptions.invalidate()
        endpoint = db.session.get(WebhookEndpoint, disabled)
        log.warning("webhook endpoint %s disabled after failing continuously", disabled)
        live.publish([envelope("webhook.endpoint_disabled",
                                        {"endpoint_id": str(disabled), "url": endpoint.url if endpoint else ""})])


def recover_stuck(now: datetime) -> int:
    """Messages left in `sending` by a worker that died mid-send become due again (at-least-once)."""
    cutoff = now - timedelta(seconds=2 * current_app.config["WEBHOOK_TIMEOUT_SECONDS"] + 60)
    count = db.session.execute(
        update(WebhookMessage).where(WebhookMessage.status == M.SENDING, WebhookMessage.claimed_at < cutoff)
        .values(status=M.RETRYING, next_attempt_at=now, claimed_at=None)
    ).rowcount
    db.session.commit()
    return count


def deliver_due(now: datetime | None = None, limit: int = 1000) -> dict[str, int]:
    """The sweep: recover stuck messages and hand every due one to the `webhooks` queue."""
    now = now or utcnow()
    recovered = recover_stuck(now)
    ids = db.session.scalars(
        select(WebhookMessage.id)
        .where(WebhookMessage.status.in_(M.DUE), WebhookMessage.next_attempt_at <= now)
        .order_by(WebhookMessage.next_attempt_at).limit(limit)
    ).all()
    db.session.commit()
    if ids:
        _enqueue(list(ids))
    return {"webhooks_recovered": recovered, "webhooks_due": len(ids)}


def resend(message: WebhookMessage) -> None:
    """'Reenviar': one more attempt of this message now, whatever its status."""
    message.status, message.next_attempt_at, message.claimed_at = M.PENDING, utcnow(), None
    db.session.commit()
    _enqueue([message.id])


def retry_failed_since(endpoint: WebhookEndpoint, since: datetime) -> int:
    """'Reintentar fallidos desde…': every failed message created since `since` gets another attempt."""
    now = utcnow()
    ids = db.session.scalars(select(WebhookMessage.id).where(
        WebhookMessage.endpoint_id == endpoint.id, WebhookMessage.status == M.FAILED,
        WebhookMessage.created_at >= since)).all()
    if ids:
        db.session.execute(update(WebhookMessage).where(WebhookMessage.id.in_(ids))
                           .values(status=M.PENDING, next_attempt_at=now, claimed_at=None))
    db.session.commit()
    if ids:
        _enqueue(list(ids))
    return len(ids)
