"""Webhook delivery jobs (queue `webhooks`): take ids, reload rows, safe to run twice."""

from __future__ import annotations

from app import integrations
from jobs.entry import job_entry


@job_entry
def deliver_webhook(message_id: str) -> str | None:
    """Send one message if it is due (a scheduled retry)."""
    return integrations.send_webhook(message_id)


@job_entry
def deliver_webhook_batch(message_ids: list[str]) -> dict[str, int]:
    """Send freshly queued messages one after another; returns counts per resulting status."""
    return integrations.send_webhook_batch(message_ids)


@job_entry
def sweep_webhooks() -> dict[str, int]:
    """Every minute (cron) or sweeper run: recover stuck messages and enqueue due retries."""
    return integrations.deliver_due_webhooks()
