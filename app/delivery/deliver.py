"""Delivering: claim due notifications, send them through their channel, record every attempt.

A delivery lane's job drains due rows in batches (drain_lane, deliver_due); a scheduled retry or a
staff resend delivers one row by id (deliver_one). Each batch is claimed (claim.py), sent
concurrently (send.py) and recorded from this thread in record groups (record.py).
"""

from __future__ import annotations

import time
import uuid

from flask import current_app

from app.delivery.claim import Claimed, claim_due, claim_notification, claimed_rows
from app.delivery.record import Pending, record
from app.delivery.send import build_message, send_all
from app.queue import release_lane, request_delivery


def deliver_claimed(token: str, ids: list[uuid.UUID]) -> dict[str, int]:
    """Send every claimed row and record each outcome.

    Sends run concurrently (DELIVERY_SEND_CONCURRENCY threads, each with its own kept connections);
    outcomes are recorded by this thread only, committed every DELIVERY_RECORD_GROUP messages. A crash
    before a commit leaves those rows `sending`: the sweeper recovers them (at-least-once).
    """
    config = current_app.config
    counts = {"ok": 0, "transient": 0, "permanent": 0}
    work = [(Claimed.of(row), build_message(row)) for row in claimed_rows(token, ids)]
    group = max(1, int(config.get("DELIVERY_RECORD_GROUP", 10)))
    pending = Pending()
    for done, (claimed, result, started, duration_ms) in enumerate(send_all(work, config), start=1):
        pending.after.append(record(claimed, token, result, started, duration_ms, pending))
        counts[result.outcome] += 1
        if done % group == 0:
            pending.commit()
    pending.commit()
    return counts


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
