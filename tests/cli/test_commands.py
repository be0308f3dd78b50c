"""The flask commands an operator runs."""

import json

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
