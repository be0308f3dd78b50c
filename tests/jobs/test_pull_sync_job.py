"""jobs.pull_sync: the periodic check runs due sources; a manual run goes through the job runner."""

from __future__ import annotations

from datetime import timedelta

from rq import SimpleWorker
from sqlalchemy import select

from app import sync
from app.extensions import db
from app.models import Customer, SyncRun, SyncSource
from app.models.base import utcnow
from jobs import pull_sync as jobs
from tests.sync.test_pull import T1, SourceDb, make_source, sources_allowed  # noqa: F401 (autouse)


def test_due_sources_run_and_are_scheduled_again(app, tmp_path):
    client = SourceDb(f"sqlite:///{tmp_path / 'client.db'}")
    client.user("U1", "Uno", T1)
    source_id = make_source(app, client).id
    assert jobs.run_due_sources() == 1
    assert db.session.scalar(select(Customer.customer_id)) == "U1"
    source = db.session.get(SyncSource, source_id)
    assert source.next_run_at > utcnow() + timedelta(minutes=14) and source.last_run_at is not None
    assert jobs.run_due_sources() == 0


def test_inactive_sources_are_not_run(app, tmp_path):
    source = make_source(app, SourceDb(f"sqlite:///{tmp_path / 'client.db'}"))
    source.active = False
    db.session.commit()
    assert jobs.run_due_sources() == 0 and db.session.scalars(select(SyncRun)).all() == []


def test_run_sync_source_reports_the_run(app, tmp_path):
    client = SourceDb(f"sqlite:///{tmp_path / 'client.db'}")
    client.user("U1", "Uno", T1)
    result = jobs.run_sync_source(str(make_source(app, client).id), "manual")
    assert result == {"status": "success", "rows_read": 1, "rows_upserted": 1, "rows_rejected": 0, "error": ""}


def test_an_rq_worker_runs_a_requested_sync(app, make_app, redis_url, tmp_path):
    client = SourceDb(f"sqlite:///{tmp_path / 'client.db'}")
    client.user("U1", "Uno", T1)
    source_id = str(make_source(app, client).id)
    rq_app = make_app(JOBS_MODE="rq", REDIS_URL=redis_url, SYNC_SQLITE_FOLDER=str(tmp_path))
    with rq_app.app_context():
        assert sync.request_run(source_id, "manual")
        runner = rq_app.extensions["avisos_jobs"]
        SimpleWorker([runner.queue("sync")], connection=runner.redis).work(burst=True, with_scheduler=False)
        db.session.remove()
    db.session.expire_all()
    run = db.session.scalar(select(SyncRun))
    assert run.status == "success" and run.trigger == "manual"
    assert db.session.get(SyncSource, run.source_id).watermarks["customers"]["key"]["value"] == "U1"
