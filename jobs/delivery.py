"""Delivery jobs. Lanes batch many messages per job; `send_notification` handles one row by id."""

from __future__ import annotations

from flask import current_app

from app.services import delivery
from jobs.runtime import job_entry, runner


@job_entry
def deliver_lane(lane: int) -> dict:
    """Drain due notifications in batches. The lane marker is cleared before the table is read,
    so any row committed while this job waited in the queue is seen."""
    runner().release_lane(lane)
    config = current_app.config
    totals = delivery.deliver_due(config["DELIVERY_BATCH_SIZE"], config["DELIVERY_JOB_BUDGET_SECONDS"])
    if totals.pop("more"):
        runner().request_delivery()
    return totals


@job_entry
def send_notification(notification_id: str, attempt: int | None = None) -> bool:
    """Claim and send one notification: a due retry (scheduled after attempt `attempt`) or a
    staff resend."""
    return delivery.deliver_one(notification_id, attempt)
