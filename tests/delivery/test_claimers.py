"""Claimers' liveness locks (app/delivery/claimers.py): held while the process lives, released
when it dies, even when a child it forked lives on."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

import pytest

from app.delivery import claimers
from app.extensions import db
from tests.conftest import BASE_OVERRIDES
from tests.faults.harness import ROOT, config_env, wait_until


@pytest.fixture
def pg(app, database_url):
    if not database_url.startswith("postgres"):
        pytest.skip("liveness locks are PostgreSQL's")
    return database_url


def lock_held(claimer: int) -> bool:
    from sqlalchemy import text

    held = db.session.scalar(text(
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 2 "
        "AND classid = CAST(:ns AS oid) AND objid = CAST(:id AS oid)"), {"ns": claimers.LOCK_NAMESPACE, "id": claimer})
    db.session.commit()
    return bool(held)


def test_this_process_holds_the_lock_of_its_claimer_id(pg):
    assert lock_held(claimers.claimer_id())


def test_a_dead_parent_releases_its_lock_while_its_forked_child_lives(pg, tmp_path):
    script = textwrap.dedent("""
        import multiprocessing, sys, time
        from app import create_app
        from app.delivery import claimers
        app = create_app()
        with app.app_context():
            claimer = claimers.claimer_id()
        child = multiprocessing.get_context("fork").Process(target=time.sleep, args=(120,))
        child.start()
        print(claimer, child.pid, flush=True)
        time.sleep(120)
    """)
    env = {**os.environ, **config_env({**BASE_OVERRIDES, "DATABASE_URL": pg, "JOBS_MODE": None})}
    parent = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True,
                              start_new_session=True)
    try:
        claimer, child = (int(part) for part in parent.stdout.readline().split())
        assert lock_held(claimer)
        os.kill(parent.pid, signal.SIGKILL)
        wait_until(lambda: not lock_held(claimer), 10, "the dead parent's lock to go")
        os.kill(child, 0)  # the child still runs (it would raise if it were gone)
    finally:
        os.killpg(parent.pid, signal.SIGKILL)
        parent.wait(10)
