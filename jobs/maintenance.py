"""Maintenance jobs run by the cron scheduler (and by the CLI)."""

from __future__ import annotations

from app import audit, delivery, records
from jobs.entry import job_entry


@job_entry
def retry_failed_notifications() -> dict:
    """Every 15 minutes: recover stuck rows, expire waits, wake delivery for due retries."""
    return delivery.sweep()


@job_entry
def check_maintenance_reminders() -> dict:
    """Hourly; does its daily work once REMINDER_HOUR has passed in TIMEZONE (a missed hour catches up)."""
    return records.check_maintenance_reminders(force=False)


@job_entry
def prune_audit_log() -> dict:
    """Daily: delete audit entries older than AUDIT_RETENTION_DAYS (0 keeps them)."""
    return audit.prune_audit_log()
