"""The integration dashboard: per integration, totals, successes, failures, success rate, last run
and next run over a recent window (the shape of the reference's /api/reportes/integraciones/).

- webhooks:          delivery attempts to outbound endpoints; next run = the next scheduled attempt.
- provider_receipts: receipts received from providers; failures = unknown ids and refused secrets.
- internal_sync:     customer/vehicle sync tasks pushed by the core service (no schedule: next_run null).
- pull_sync:         runs of the pull-sync sources; next run = the earliest due active source.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import case, func, select

from app.extensions import db
from app.models import (
    BackgroundTask,
    ProviderReceipt,
    SyncRun,
    SyncSource,
    WebhookAttempt,
    WebhookEndpoint,
    WebhookMessage,
)
from app.models.base import isoformat_z, utcnow
from app.models.enums import TaskStatus
from app.models.webhooks import WebhookMessageStatus

DEFAULT_HOURS = 24
SYNC_KINDS = ("sync_customers", "sync_vehicles")


def _block(total: int, successes: int, failures: int, last_run, next_run, **extra) -> dict:
    rate = round(100.0 * successes / total, 1) if total else None
    return {"total": total, "successes": successes, "failures": failures, "success_rate": rate,
            "last_run": isoformat_z(last_run), "next_run": isoformat_z(next_run), **extra}


def _counts(column, ok_condition, fail_condition, when_column, since, *where):
    row = db.session.execute(
        select(func.count(), func.sum(case((ok_condition, 1), else_=0)), func.sum(case((fail_condition, 1), else_=0)),
               func.max(when_column))
        .where(when_column >= since, *where)
    ).one()
    return int(row[0] or 0), int(row[1] or 0), int(row[2] or 0), row[3]


def webhooks(since: datetime) -> dict:
    total, ok, failed, last = _counts(WebhookAttempt.id, WebhookAttempt.outcome == "ok",
                                      WebhookAttempt.outcome != "ok", WebhookAttempt.started_at, since)
    next_run = db.session.scalar(select(func.min(WebhookMessage.next_attempt_at))
                                 .where(WebhookMessage.status.in_(WebhookMessageStatus.DUE)))
    endpoints = db.session.execute(select(
        func.count(), func.sum(case((WebhookEndpoint.disabled_at.is_not(None), 1), else_=0)))).one()
    return _block(total, ok, failed, last, next_run, endpoints=int(endpoints[0] or 0),
                  disabled_endpoints=int(endpoints[1] or 0))


def provider_receipts(since: datetime) -> dict:
    bad = ProviderReceipt.outcome.in_(("unknown", "rejected"))
    total, ok, failed, last = _counts(ProviderReceipt.id, ~bad, bad, ProviderReceipt.received_at, since)
    return _block(total, ok, failed, last, None)


def internal_sync(since: datetime) -> dict:
    total, ok, failed, last = _counts(
        BackgroundTask.id, BackgroundTask.status == TaskStatus.SUCCESS, BackgroundTask.status == TaskStatus.FAILURE,
        BackgroundTask.created_at, since, BackgroundTask.kind.in_(SYNC_KINDS))
    return _block(total, ok, failed, last, None)


def pull_sync(since: datetime) -> dict:
    total, ok, failed, last = _counts(SyncRun.id, SyncRun.status == "success", SyncRun.status == "failed",
                                      SyncRun.started_at, since)
    next_run = db.session.scalar(select(func.min(SyncSource.next_run_at)).where(SyncSource.active.is_(True)))
    sources = db.session.scalar(select(func.count()).select_from(SyncSource)) or 0
    return _block(total, ok, failed, last, next_run, sources=int(sources))


def summary(hours: int = DEFAULT_HOURS) -> dict:
    """Every integration's figures over the last `hours`."""
    since = utcnow() - timedelta(hours=hours)
    return {
        "window_hours": hours, "since": isoformat_z(since),
        "webhooks": webhooks(since), "provider_receipts": provider_receipts(since),
        "internal_sync": internal_sync(since), "pull_sync": pull_sync(since),
    }
