"""Changes through the CLI: recorded as made by "cli"."""

from __future__ import annotations

from sqlalchemy import select

from app.cli import PROCESS_COMMANDS
from app.extensions import db
from app.models import ApiKey, User
from tests.audit.conftest import entries, stored_text


def run(app, *args):
    result = app.test_cli_runner().invoke(args=list(args))
    assert result.exit_code == 0, result.output
    return result


def test_create_user_is_one_entry_by_cli_without_the_password(app):
    run(app, "create-user", "cli@taller.test", "--role", "admin", "--password", "clave-de-consola-1")
    user = db.session.scalar(select(User).where(User.email == "cli@taller.test"))
    [entry] = entries("user")
    assert (entry.action, entry.entity_id, entry.actor_type, entry.actor_label) == ("create", str(user.id), "cli", "cli")
    assert "clave-de-consola-1" not in stored_text() and user.password_hash not in stored_text()


def test_resetting_a_user_from_the_cli_is_one_update_entry(app):
    run(app, "create-user", "cli@taller.test", "--role", "viewer", "--password", "clave-de-consola-1")
    run(app, "create-user", "cli@taller.test", "--role", "operator", "--password", "clave-de-consola-2")
    [entry] = entries("user", "update")
    assert entry.actor_label == "cli"
    assert entry.changes == {"role": ["viewer", "operator"], "password_hash": ["***", "***"]}


def test_create_api_key_is_one_entry_by_cli_without_the_key(app):
    result = run(app, "create-api-key", "erp", "--scopes", "dispatch read")
    raw = result.output.strip().splitlines()[-1]
    key = db.session.scalar(select(ApiKey).where(ApiKey.name == "erp"))
    [entry] = entries("api_key")
    assert (entry.action, entry.entity_id, entry.actor_label) == ("create", str(key.id), "cli")
    assert raw not in stored_text() and key.key_hash not in stored_text()


def test_seeding_records_what_it_creates_as_cli(app):
    run(app, "seed-initial-data")
    created = entries(action="create")
    assert {e.entity_type for e in created} >= {"template", "matrix_cell", "orchestration_config", "service_phase"}
    assert {e.actor_label for e in created} == {"cli"}


def test_process_commands_leave_their_jobs_to_the_system(app):
    for name in PROCESS_COMMANDS:
        assert not getattr(app.cli.commands[name].callback, "audit_cli", False)
    assert getattr(app.cli.commands["create-user"].callback, "audit_cli", False)
