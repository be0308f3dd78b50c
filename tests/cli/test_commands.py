"""The flask commands an operator runs."""

import json

import pytest

from sqlalchemy import select

from app.extensions import db
from app.models import ApiKey, User


def run(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def test_create_api_key_prints_the_key_alone_on_the_last_line(app, client):
    result = run(app, "create-api-key", "core", "--scopes", "dispatch read")
    key = result.output.strip().splitlines()[-1]
    assert result.exit_code == 0 and key.startswith("avk_") and " " not in key
    row = db.session.execute(select(ApiKey)).scalar_one()
    assert row.key_hash != key and key.startswith(row.prefix)
    assert client.get("/api/v1/notifications/events/x/", headers={"X-API-Key": key}).status_code == 404


def test_create_user_hashes_the_password(app):
    result = run(app, "create-user", "Ana@Taller.ec", "--role", "admin", "--password", "una-clave-larga")
    user = db.session.execute(select(User)).scalar_one()
    assert result.exit_code == 0 and user.email == "ana@taller.ec" and user.role == "admin"
    assert "una-clave-larga" not in user.password_hash


def test_create_user_refuses_a_short_password(app):
    assert run(app, "create-user", "a@b.ec", "--password", "corta").exit_code != 0


def test_retry_failed_prints_the_sweep_counts(app):
    result = run(app, "retry-failed")
    assert result.exit_code == 0 and json.loads(result.output)["recovered_stuck"] == 0


def test_check_reminders_prints_its_counts(app):
    result = run(app, "check-reminders")
    assert result.exit_code == 0 and json.loads(result.output)["checked"] == 0


def test_send_test_email_reaches_the_server(app, peers_configured):
    result = run(app, "send-test", "email", "ana@example.com")
    assert result.exit_code == 0 and "email: ok" in result.output
    assert peers_configured["smtp"].messages[0].message["To"] == "ana@example.com"


def test_send_test_reports_a_failure_with_exit_code_1(app, peers_configured):
    peers_configured["evolution"].script_not_registered()
    result = run(app, "send-test", "whatsapp", "0991234567")
    assert result.exit_code == 1 and "whatsapp_not_registered" in result.output


def test_generate_vapid_keys_prints_both_settings(app):
    lines = run(app, "generate-vapid-keys").output.strip().splitlines()
    assert lines[0].startswith("VAPID_PUBLIC_KEY=") and lines[1].startswith("VAPID_PRIVATE_KEY=")


def test_worker_refuses_to_start_without_redis(app):
    result = run(app, "worker", "--burst")
    assert result.exit_code != 0 and "REDIS_URL" in result.output


def _retry_failed_process(database_url: str, redis: str):
    import subprocess
    import sys

    from tests.conftest import BASE_OVERRIDES
    from tests.faults.harness import ROOT, config_env

    env = {**config_env({**BASE_OVERRIDES, "DATABASE_URL": database_url, "REDIS_URL": redis, "JOBS_MODE": None,
                         "LOG_LEVEL": "WARNING"}), "PATH": "/usr/bin:/bin"}
    return subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "retry-failed"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.slow
def test_retry_failed_enqueues_the_delivery_before_it_exits(app, client, api_headers, database_url, redis_url):
    from redis import Redis

    from app.queue.lanes import LANE_KEY
    from tests import factories as f

    f.basic_setup(channels={"email": True, "whatsapp": False, "push": False})
    f.customer()
    db.session.commit()
    app.extensions["avisos_jobs"].mode = "manual"  # accepted, never woken: what an outage leaves
    assert client.post("/api/v1/notifications/events/dispatch/", json=f.dispatch_payload(), headers=api_headers).status_code == 202
    broker = Redis.from_url(redis_url)
    broker.set(LANE_KEY.format(0), "deliver-lane-0-of-a-dead-process", ex=120)  # marked, its job never enqueued

    done = _retry_failed_process(database_url, redis_url)

    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["queued"] == 1 and sorted(report["lanes_woken"]) == [0, 1]
    assert broker.llen("rq:queue:notifications") == 2
    assert broker.get(LANE_KEY.format(0)) != b"deliver-lane-0-of-a-dead-process"


@pytest.mark.slow
def test_retry_failed_says_so_when_redis_is_down(app, database_url):
    done = _retry_failed_process(database_url, "redis://127.0.0.1:1/0")
    assert done.returncode == 1 and "Redis is not answering" in done.stderr
