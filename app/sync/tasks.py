"""Sync tasks: a customer or vehicle sync is stored as a BackgroundTask and applied by a job (queue
`sync`), which records the outcome on the row callers poll through GET /api/internal/v1/tasks/<id>/status/.

A task is claimed once (PENDING/RETRY -> STARTED); the upserts and the SUCCESS mark commit
together, so running a job twice never applies a payload twice. FAILURE is final too: the caller
sends the sync again. A STARTED task whose worker died is claimable again after STALE_CLAIM.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import and_, or_, select, update
from sqlalchemy.exc import IntegrityError

from app import integrations
from app.extensions import db
from app.models import BackgroundTask
from app.models.base import parse_uuid, utcnow
from app.models.enums import TaskStatus
from app.queue import JOB_TIMEOUTS, SYNC_CUSTOMERS, SYNC_VEHICLES, enqueue
from app.sync.payloads import CUSTOMERS_KIND, VEHICLES_KIND, InvalidStoredPayload, SyncItem, stored_items
from app.sync.upserts import APPLY, SyncOutcome, plan_waiting_for

log = logging.getLogger(__name__)

STALE_CLAIM = timedelta(seconds=2 * JOB_TIMEOUTS["sync"])


def queue_task(kind: str, items: Sequence[SyncItem]) -> str:
    """Store the normalised payload as a PENDING task and commit. Returns the task id.

    The caller enqueues the job after this commit, so the job always finds its row.
    """
    task = BackgroundTask(id=uuid.uuid4(), kind=kind, status=TaskStatus.PENDING, error="",
                          payload={"items": [item.stored() for item in items]})
    db.session.add(task)
    db.session.commit()
    return str(task.id)


def get_task(task_id: str) -> BackgroundTask | None:
    """The task with this id; None for an unknown id or one that is not a UUID."""
    try:
        key = uuid.UUID(task_id)
    except (ValueError, TypeError):
        return None
    return db.session.get(BackgroundTask, key)


def queue_sync(kind: str, items: Sequence[SyncItem]) -> str:
    """Store the sync as a PENDING task, commit, then hand it to the `sync` queue. Returns the task id."""
    task_id = queue_task(kind, items)
    enqueue("sync", JOBS[kind], task_id, job_id=task_id)
    return task_id


def run_customers_task(task_id: str) -> dict | None:
    """Apply a customer sync task, then plan the dispatches that were waiting for those customers."""
    outcome = _run(task_id, CUSTOMERS_KIND)
    if outcome is None:
        return None
    if outcome.applied:
        integrations.publish([("customer.synced", {"source": "internal_api", "task_id": str(task_id),
                                               "customer_ids": outcome.applied})])
    plan_waiting_for(outcome.applied + outcome.skipped)
    return outcome.result()


def run_vehicles_task(task_id: str) -> dict | None:
    """Apply a vehicle sync task."""
    outcome = _run(task_id, VEHICLES_KIND)
    return outcome.result() if outcome else None


JOBS = {CUSTOMERS_KIND: SYNC_CUSTOMERS, VEHICLES_KIND: SYNC_VEHICLES}


def _run(task_id: str, kind: str) -> SyncOutcome | None:
    """Claim, apply and record. Returns None when the task was not run or failed."""
    key = parse_uuid(task_id)
    if key is None or not _claim(key, kind):
        log.info("sync task %s not run: unknown, of another kind, finished or running elsewhere", task_id)
        return None
    try:
        return _apply_and_record(key, kind)
    except InvalidStoredPayload as err:
        db.session.rollback()
        log.warning("sync task %s has an invalid payload: %s", task_id, err)
        _mark_failed(key, str(err))
    except Exception as err:  # noqa: BLE001 - the row records the failure; the log keeps the traceback
        db.session.rollback()
        log.exception("sync task %s failed", task_id)
        _mark_failed(key, f"Internal error while applying the sync ({type(err).__name__}); see the worker log.")
    return None



def _claim(key: uuid.UUID, kind: str) -> bool:
    now = utcnow()
    claimable = or_(
        BackgroundTask.status.in_((TaskStatus.PENDING, TaskStatus.RETRY)),
        and_(BackgroundTask.status == TaskStatus.STARTED, BackgroundTask.started_at < now - STALE_CLAIM),
    )
    result = db.session.execute(
        update(BackgroundTask).where(BackgroundTask.id == key, BackgroundTask.kind == kind, claimable)
        .values(status=TaskStatus.STARTED, started_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount == 1


def _apply_and_record(key: uuid.UUID, kind: str) -> SyncOutcome:
    """Apply the payload and mark the task in one commit. A unique-key race with another writer
    (the same customer created concurrently) is retried once: the second pass finds the row."""
    for attempt in (1, 2):
        task = db.session.get(BackgroundTask, key)
        items = stored_items(kind, task.payload)
        outcome = APPLY[kind](items)
        _record(task, outcome)
        try:
            db.session.commit()
            return outcome
        except IntegrityError:
            db.session.rollback()
            if attempt == 2:
                raise
            log.warning("sync task %s raced with another writer; applying it again", key)
    raise AssertionError("unreachable")


def _record(task: BackgroundTask, outcome: SyncOutcome) -> None:
    """SUCCESS when at least one item was applied or acknowledged; FAILURE when every item failed."""
    task.result = outcome.result()
    task.finished_at = utcnow()
    if outcome.all_failed:
        task.status, task.error = TaskStatus.FAILURE, outcome.summary()
    else:
        task.status, task.error = TaskStatus.SUCCESS, ""


def _mark_failed(key: uuid.UUID, message: str) -> None:
    try:
        db.session.execute(
            update(BackgroundTask).where(BackgroundTask.id == key)
            .values(status=TaskStatus.FAILURE, error=message[:1000], finished_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
    except Exception:  # noqa: BLE001 - the task stays STARTED and is claimable again after STALE_CLAIM
        db.session.rollback()
        log.exception("could not mark sync task %s as failed", key)
        return
    integrations.publish([("sync.failed", {"task_id": str(key), "source": "internal_api", "error": message[:500]})])


def record_task(kind: str, payload: dict, result: dict) -> BackgroundTask:
    """A finished task row for a sync Avisos applied at once, so the reference's task_id answers
    /api/internal/v1/tasks/{task_id}/status/ like the queued syncs' do. Commits."""
    now = utcnow()
    task = BackgroundTask(kind=kind, status=TaskStatus.SUCCESS, payload=payload, result=result, error="",
                          started_at=now, finished_at=now)
    db.session.add(task)
    db.session.commit()
    return task


def requeue_lost_tasks(older_than: timedelta = STALE_CLAIM) -> int:
    """Enqueue again the sync tasks a lost enqueue or a dead worker left behind (for the sweeper).

    PENDING tasks older than `older_than` and STARTED tasks claimed more than STALE_CLAIM ago.
    """
    now = utcnow()
    rows = db.session.execute(
        select(BackgroundTask.id, BackgroundTask.kind).where(
            BackgroundTask.kind.in_(tuple(JOBS)),
            or_(and_(BackgroundTask.status == TaskStatus.PENDING, BackgroundTask.created_at < now - older_than),
                and_(BackgroundTask.status == TaskStatus.STARTED, BackgroundTask.started_at < now - STALE_CLAIM)),
        )
    ).all()
    db.session.commit()
    for task_id, kind in rows:
        enqueue("sync", JOBS[kind], str(task_id), job_id=f"{task_id}-requeue-{int(now.timestamp())}")
    return len(rows)
