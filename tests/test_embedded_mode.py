"""The embedded path a new user takes: quickstart on SQLite, in-process jobs, no Redis."""

import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Notification
from tests import factories as f
from tests.peers.smtp import free_port

ROOT = Path(__file__).resolve().parent.parent
FLASK = [sys.executable, "-m", "flask", "--app", str(ROOT / "wsgi")]


@pytest.fixture
def embedded_env(tmp_path, smtp_peer):
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "JOBS_MODE", "CI")}
    env.update(DATABASE_URL=f"sqlite:///{tmp_path / 'avisos.db'}", SECRET_KEY="embedded-test",
               INTERNAL_API_SECRET_KEY="embedded-internal", EMAIL_HOST="127.0.0.1", EMAIL_PORT=str(smtp_peer.port),
               LOG_LEVEL="WARNING")
    return env


def call(method, url, body=None, headers=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method,
                                 headers={"Content-Type": "application/json", **(headers or {})})
    # A generous timeout: the first requests to a fresh server load the catalog on a busy machine.
    with urllib.request.urlopen(req, timeout=60) as res:
        return res.status, json.loads(res.read())


def wait_until(predicate, seconds=60.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


@pytest.mark.slow
def test_quickstart_prepares_the_database_and_prints_the_demo_login(embedded_env):
    result = subprocess.run([*FLASK, "quickstart", "--no-serve"], env=embedded_env, capture_output=True,
                            text=True, timeout=120, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert "Demo admin: admin@avisos.local / " in result.stdout and "Plantillas:" in result.stdout


@pytest.mark.slow
def test_embedded_server_delivers_an_event_without_redis(embedded_env, smtp_peer):
    subprocess.run([*FLASK, "quickstart", "--no-serve"], env=embedded_env, check=True, capture_output=True, timeout=120)
    key = subprocess.run([*FLASK, "create-api-key", "core"], env=embedded_env, check=True, capture_output=True,
                         text=True, timeout=60).stdout.strip().splitlines()[-1]
    port = free_port()
    server = subprocess.Popen([*FLASK, "serve", "--port", str(port)], env=embedded_env, cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        assert wait_until(lambda: _answers(base + "/healthz"))
        status, synced = call("POST", base + "/api/internal/v1/customers/sync/",
                              {"customer_id": "c-1", "name": "Ana Paz", "email": "ana@example.com"},
                              {"X-Internal-Secret": "embedded-internal"})
        assert status == 202
        # The sync runs on the server's job thread: dispatch once it is applied, as the core does
        # (an event that arrives first waits for its customer, and only the next sweep plans it).
        assert wait_until(lambda: _task_status(base, synced["task_id"]) == "SUCCESS")
        payload = f.dispatch_payload(customer_id="c-1", correlation_id="emb-1")
        status, body = call("POST", base + "/api/v1/notifications/events/dispatch/", payload, {"X-API-Key": key})
        assert status == 202
        assert wait_until(lambda: len(smtp_peer.messages) == 1)
        assert smtp_peer.messages[0].message["To"] == "ana@example.com"
        assert wait_until(lambda: _statuses(base, key) == ["sent"])
    finally:
        server.terminate()
        server.wait(timeout=60)


def _answers(url):
    try:
        return call("GET", url)[0] == 200
    except OSError:
        return False


def _task_status(base, task_id):
    try:
        _, body = call("GET", base + f"/api/internal/v1/tasks/{task_id}/status/",
                       headers={"X-Internal-Secret": "embedded-internal"})
    except OSError:
        return None
    return body["status"]


def _statuses(base, key):
    try:
        _, body = call("GET", base + "/api/v1/notifications/events/emb-1/", headers={"X-API-Key": key})
    except OSError:
        return []
    return [n["status"] for n in body["notifications"]]


def test_thread_mode_delivers_after_the_request(make_app, app, api_key, peers_configured):
    threaded = make_app(JOBS_MODE="thread")
    threaded.config.update({k: v for k, v in app.config.items() if k.startswith(("EMAIL_", "DEFAULT_FROM"))})
    f.basic_setup(channels={"email": True, "whatsapp": False, "push": False})
    f.customer()
    db.session.commit()
    res = threaded.test_client().post("/api/v1/notifications/events/dispatch/", json=f.dispatch_payload(),
                                      headers={"X-API-Key": api_key})
    assert res.status_code == 202
    assert wait_until(lambda: len(peers_configured["smtp"].messages) == 1)
    threaded.extensions["avisos_jobs"].shutdown()
    db.session.expire_all()
    assert db.session.scalars(select(Notification.status)).all() == ["sent"]
