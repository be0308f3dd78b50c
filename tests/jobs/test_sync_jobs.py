"""jobs.sync: claiming a sync task, recording SUCCESS/FAILURE, running twice, lost tasks."""

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import insert, select

from app import sync
from app.extensions import db
from app.models import BackgroundTask, Customer
from app.models.base import utcnow
from app.models.enums import TaskStatus
from jobs import sync as jobs

CARLOS = {"customer_id": "customer-001", "first_name": "Carlos", "email": "carlos@example.com"}


def make_task(items, kind=sync.CUSTOMERS_KIND, **kw) -> str:
    task = BackgroundTask(kind=kind, status=kw.pop("status", TaskStatus.PENDING), payload={"items": items},
                          error="", **kw)
    db.session.add(task)
    db.session.commit()
    return str(task.id)


def task(task_id: str) -> BackgroundTask:
    db.session.remove()
    return db.session.get(BackgroundTask, uuid.UUID(task_id))


def test_job_applies_the_payload_and_marks_success(app):
    task_id = make_task([CARLOS])
    assert jobs.sync_customers(task_id)["created"] == 1
    row = task(task_id)
    assert row.status == TaskStatus.SUCCESS and row.started_at and row.finished_at and row.error == ""
    assert db.session.scalar(select(Customer.first_name)) == "Carlos"


def test_successful_task_is_not_applied_again(app):
    task_id = make_task([CARLOS])
    jobs.sync_customers(task_id)
    customer = db.session.scalar(select(Customer))
    customer.first_name = "Changed since"
    db.session.commit()
    assert jobs.sync_customers(task_id) is None
    assert task(task_id).result["created"] == 1
    assert db.session.scalar(select(Customer.first_name)) == "Changed since"


def test_failed_task_is_final(app):
    task_id = make_task([CARLOS], status=TaskStatus.FAILURE)
    assert jobs.sync_customers(task_id) is None
    assert db.session.scalar(select(Customer)) is None


def test_task_of_another_kind_is_not_run(app):
    task_id = make_task([CARLOS], kind=sync.VEHICLES_KIND)
    assert jobs.sync_customers(task_id) is None
    assert task(task_id).status == TaskStatus.PENDING


@pytest.mark.parametrize("task_id", [str(uuid.uuid4()), "not-a-uuid"])
def test_unknown_task_id_is_ignored(app, task_id):
    assert jobs.sync_vehicles(task_id) is None


def test_invalid_stored_payload_marks_failure_with_the_field(app):
    task_id = make_task([{"customer_id": "c-1", "email": "bad"}])
    jobs.sync_customers(task_id)
    row = task(task_id)
    assert row.status == TaskStatus.FAILURE
    assert row.error == "The stored payload is not valid: [0].email: Enter a valid email address."


def test_unexpected_error_marks_failure_without_exception_text(app, monkeypatch):
    def explode(items):
        raise RuntimeError("password=hunter2\nTraceback (most recent call last)")

    monkeypatch.setitem(sync.APPLY, sync.CUSTOMERS_KIND, explode)
    task_id = make_task([CARLOS])
    assert jobs.sync_customers(task_id) is None
    row = task(task_id)
    assert row.status == TaskStatus.FAILURE
    assert row.error == "Internal error while applying the sync (RuntimeError); see the worker log."
    assert app.extensions["avisos_jobs"].errors == []


def test_unique_key_race_with_another_writer_is_applied_again_as_an_update(app, monkeypatch):
    real_apply = sync.apply_customers
    calls = []

    def racing_apply(items):
        outcome = real_apply(items)
        if not calls:  # another writer creates the same customer before this commit
            with db.engine.begin() as conn:
                conn.execute(insert(Customer.__table__).values(
                    id=uuid.uuid4(), customer_id="customer-001", first_name="Other", last_name="", email="",
                    phone="", whatsapp="", is_active=True, reminder_email_opt_out=False, sync_version=0,
                    created_at=utcnow(), updated_at=utcnow()))
        calls.append(outcome)
        return outcome

    monkeypatch.setitem(sync.APPLY, sync.CUSTOMERS_KIND, racing_apply)
    result = jobs.sync_customers(make_task([CARLOS]))
    assert len(calls) == 2 and (result["created"], result["updated"]) == (0, 1)
    assert db.session.scalar(select(Customer.first_name)) == "Carlos"


def test_started_task_of_a_dead_worker_is_claimed_again(app):
    task_id = make_task([CARLOS], status=TaskStatus.STARTED, started_at=utcnow() - sync.STALE_CLAIM - timedelta(1))
    assert jobs.sync_customers(task_id)["created"] == 1


def test_recently_started_task_is_left_to_its_worker(app):
    task_id = make_task([CARLOS], status=TaskStatus.STARTED, started_at=utcnow())
    assert jobs.sync_customers(task_id) is None
    assert task(task_id).status == TaskStatus.STARTED


def test_requeue_lost_tasks_runs_old_pending_tasks_only(app):
    old = make_task([CARLOS], created_at=utcnow() - timedelta(hours=1))
    recent = make_task([{"customer_id": "customer-002"}])
    assert sync.requeue_lost_tasks(older_than=timedelta(minutes=10)) == 1
    assert task(old).status == TaskStatus.SUCCESS
    assert task(recent).status == TaskStatus.PENDING
