"""Delivering: claim due notifications, send them through their channel, record every attempt.

A delivery lane's job drains due rows in batches (drain_lane, deliver_due); a scheduled retry or a
staff resend delivers one row by id (deliver_one). Each batch is claimed (claim.py), messages an
earlier attempt may have sent are looked up at their provider first (provider_lookup.py), the rest
are sent concurrently (send.py), and outcomes are recorded from this thread in record groups
(record.py). A lost database connection never costs a send twice when it can be helped.
"""

from __future__ import annotations

import logging
import secrets
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from itertools import chain

from flask import current_app
from sqlalchemy import select

from app.channels.base import Message
from app.db_health import retry_transient
from app.delivery.caps import apply_caps
from app.delivery.claim import _CLAIM_RETRY_SECONDS, Claimed, claim_due, claim_notification, claimed_rows
from app.delivery.provider_lookup import look_up_unsure, unsure_since
from app.delivery.record import Pending, give_back, record
from app.delivery.send import build_message, send_all
from app.extensions import db
from app.models import Notification
from app.models.base import utcnow
from app.models.enums import NotificationStatus as S
from app.queue import SEND_NOTIFICATION, enqueue_at, release_lane, request_delivery

log = logging.getLogger(__name__)


def deliver_claimed(token: str, ids: list[uuid.UUID]) -> dict[str, int]:
    """Send every claimed row and record each outcome (see deliver_rows)."""
    with _given_back_on_error(token):
        rows = read_claimed(token, ids)
    return deliver_rows(token, rows)


def _rows_to_send(token: str, ids: list[uuid.UUID]) -> list:
    """The claim's rows that may go out now (the others wait for their cap); a claim whose rows
    cannot be read or checked is given back at once."""
    with _given_back_on_error(token):
        return apply_caps(token, read_claimed(token, ids))


def read_claimed(token: str, ids: list[uuid.UUID]) -> list:
    """The rows of a claim (claim.claimed_rows), read again while the database does not answer."""
    return retry_transient(lambda: claimed_rows(token, ids), deadline_seconds=_CLAIM_RETRY_SECONDS,
                           what="reading claimed notifications")


def deliver_rows(token: str, rows: list) -> dict[str, int]:
    """Send the claimed rows and record each outcome.

    Sends run concurrently (DELIVERY_SEND_CONCURRENCY threads, each with its own kept connections);
    outcomes are recorded by this thread only, committed every DELIVERY_RECORD_GROUP messages. A
    new send starts only when this thread takes an outcome, so at most
    DELIVERY_RECORD_GROUP + DELIVERY_SEND_CONCURRENCY - 1 messages are ever sent without their
    outcome committed: what a crash can make the sweeper send twice (at-least-once). A job that
    stops with an error gives its unrecorded rows back at once.
    """
    config = current_app.config
    counts = {"ok": 0, "transient": 0, "permanent": 0}
    group = max(1, int(config.get("DELIVERY_RECORD_GROUP", 10)))
    pending = Pending(config)
    with _given_back_on_error(token):
        work = retry_transient(lambda: _work(rows), deadline_seconds=_CLAIM_RETRY_SECONDS,
                               what="reading earlier attempts of claimed notifications")
        known, work = look_up_unsure(work, config)
        outcomes = chain(known, send_all(work, config))
        for done, (claimed, result, started, duration_ms) in enumerate(outcomes, start=1):
            record(claimed, token, result, started, duration_ms, pending)
            counts[result.outcome] += 1
            if done % group == 0:
                pending.commit()
        pending.commit()
    return counts


def _work(rows: list) -> list[tuple[Claimed, Message]]:
    unsure = unsure_since(rows)
    work = [(Claimed.of(row), build_message(row, unsure.get(row.id))) for row in rows]
    db.session.commit()
    return work


@contextmanager
def _given_back_on_error(token: str) -> Iterator[None]:
    """A delivery that stops with an error in this block (the database gone past the retries, a
    job timeout) gives its claim's unrecorded rows back at once rather than after
    SENDING_TIMEOUT_SECONDS, and the error goes on (best effort: when the database is gone too,
    the timeout still applies)."""
    try:
        yield
    except BaseException:
        try:
            db.session.rollback()
            give_back(Notification.claim_token == token, "delivery_interrupted",
                      "The delivery job stopped before recording the outcome.")
        except Exception:  # noqa: BLE001 - the original error is the one to report
            log.warning("could not give back the rows of an interrupted delivery", exc_info=True)
        raise


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
        for key, value in deliver_rows(token, _rows_to_send(token, ids)).items():
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


def deliver_one(notification_id: str, attempt: int | None = None) -> bool:
    """Claim and send one row by id (scheduled retries, resends). False when not claimable. A
    retry scheduled after attempt `attempt` that runs before its time (clocks, a scheduler's
    rounding) is scheduled again for it; one overtaken by a later attempt does nothing."""
    row_id = uuid.UUID(notification_id)
    token = claim_notification(row_id)
    if token is None:
        _reschedule_if_early(row_id, attempt)
        return False
    deliver_rows(token, _rows_to_send(token, [row_id]))
    return True


def _reschedule_if_early(row_id: uuid.UUID, attempt: int | None) -> None:
    row = db.session.execute(select(Notification.status, Notification.next_retry_at, Notification.attempts)
                             .where(Notification.id == row_id)).first()
    db.session.commit()
    if row is None or row.status != S.RETRYING or row.next_retry_at is None or row.next_retry_at <= utcnow():
        return
    if attempt is not None and attempt != row.attempts:
        return  # a later attempt has scheduled its own retry
    log.info("retry of notification %s ran %.3f s early; scheduled again", row_id,
             (row.next_retry_at - utcnow()).total_seconds())
    enqueue_at(row.next_retry_at, "notifications", SEND_NOTIFICATION, str(row_id), row.attempts,
               job_id=f"retry-{row_id}-{row.attempts}-{secrets.token_hex(4)}")
