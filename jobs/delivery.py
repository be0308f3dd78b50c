"""Delivery jobs (queue `notifications`). Lanes batch many messages per job; `send_notification`
handles one row by id (a scheduled retry or a staff resend)."""

from __future__ import annotations

from app import delivery
from jobs.entry import job_entry


@job_entry
def deliver_lane(lane: int) -> dict:
    """Drain due notifications in batches (the lane's marker is cleared first)."""
    return delivery.drain_lane(lane)


@job_entry
def send_notification(notification_id: str, attempt: int | None = None) -> bool:
    """Claim and send one notification: a due retry (scheduled after attempt `attempt`) or a
    staff resend."""
    return delivery.deliver_one(notification_id, attempt)
