"""Service-to-service API (X-Internal-Secret): customer/vehicle sync webhooks and task status.

A sync is validated here (400 naming every problem, nothing stored), stored as a PENDING
BackgroundTask, committed, and only then handed to the `sync` queue; the answer is 202.
"""

from __future__ import annotations

from flask import jsonify

from app import sync
from app.api.auth import require_internal_secret
from app.api.blueprints import internal_v1
from app.api.json_body import body_json
from app.errors import ApiError
from app.models import BackgroundTask
from app.models.enums import TaskStatus


def _accepted(task_id: str, key: str, values: list[str], many: bool, noun: str) -> dict:
    """The reference's 202 body; a list adds `count` and every key (the first stays under `key`)."""
    body = {
        "status": "accepted",
        "message": f"{len(values)} {noun}s queued for sync." if many else f"{noun.capitalize()} sync queued.",
        "task_id": task_id,
        key: values[0],
    }
    if many:
        body["count"] = len(values)
        body[key + "s"] = values
    return body


@internal_v1.post("/customers/sync/")
@require_internal_secret
def sync_customers():
    items, many = sync.parse_customers(body_json())
    task_id = sync.queue_sync(sync.CUSTOMERS_KIND, items)
    return jsonify(_accepted(task_id, "customer_id", [i.customer_id for i in items], many, "customer")), 202


@internal_v1.post("/vehicles/sync/")
@require_internal_secret
def sync_vehicles():
    items, many = sync.parse_vehicles(body_json())
    task_id = sync.queue_sync(sync.VEHICLES_KIND, items)
    return jsonify(_accepted(task_id, "plate", [i.plate for i in items], many, "vehicle")), 202


@internal_v1.get("/tasks/<task_id>/status/")
@require_internal_secret
def task_status(task_id: str):
    task = sync.get_task(task_id)
    if task is None:
        raise ApiError(404, "not_found", "No task with this id.")
    return jsonify(_status_body(task))


def _status_body(task: BackgroundTask) -> dict:
    """Celery's AsyncResult fields; `result` when successful, `error` (one short line) when failed."""
    body = {
        "task_id": str(task.id),
        "status": task.status,
        "ready": task.status in (TaskStatus.SUCCESS, TaskStatus.FAILURE),
        "successful": task.status == TaskStatus.SUCCESS,
        "failed": task.status == TaskStatus.FAILURE,
    }
    if task.status == TaskStatus.SUCCESS:
        body["result"] = task.result or {}
    elif task.status == TaskStatus.FAILURE:
        body["error"] = _public_error(task.error)
        if task.result:  # item-level failures: which items, and why
            body["result"] = task.result
    return body


def _public_error(text: str | None) -> str:
    # Other task kinds may store raw exception text; only a first line ever leaves the service.
    lines = (text or "").strip().splitlines()
    first = lines[0].strip() if lines else ""
    if not first or first.startswith("Traceback"):
        return "The task failed; the details are in the worker log."
    return first[:500]
