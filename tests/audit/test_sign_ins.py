"""Sign-ins, failed sign-ins, lockouts and sign-outs in the audit log."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from app.extensions import db
from app.models import User
from app.models.base import utcnow
from tests import factories
from tests.audit.conftest import entries, stored_text
from tests.console.conftest import PASSWORD, ConsoleClient


@pytest.fixture
def user(app):
    row = factories.user("ana@taller.test", "operator", PASSWORD)
    db.session.commit()
    return row


@pytest.fixture
def console(app):
    return ConsoleClient(app.test_client())


def test_a_sign_in_is_recorded_as_the_user(console, user):
    assert console.login("ana@taller.test").status_code == 302
    [entry] = entries("user", "sign_in")
    assert (entry.actor_type, entry.actor_label, entry.entity_id) == ("user", "ana@taller.test", str(user.id))
    assert entry.ip_address == "127.0.0.1"


def test_a_wrong_password_is_a_failed_sign_in_without_the_password(console, user):
    assert console.login("ana@taller.test", "not-her-password").status_code == 401
    [entry] = entries("user", "sign_in_failed")
    assert (entry.actor_type, entry.actor_label, entry.entity_id) == ("anonymous", "ana@taller.test", str(user.id))
    assert entry.changes == {"reason": "wrong_password"}
    assert "not-her-password" not in stored_text()


def test_an_unknown_address_is_a_failed_sign_in_with_no_account(console, user):
    console.login("nadie@taller.test", "whatever-123")
    [entry] = entries("user", "sign_in_failed")
    assert (entry.entity_id, entry.entity_label, entry.changes) == ("", "nadie@taller.test", {"reason": "unknown"})


def test_reaching_the_failure_allowance_is_a_lockout(app, console, user):
    app.config["LOGIN_FAILURES_BEFORE_DELAY"] = 2
    console.login("ana@taller.test", "wrong-1-xxxxx")
    assert entries("user", "lockout") == []
    console.login("ana@taller.test", "wrong-2-xxxxx")
    [entry] = entries("user", "lockout")
    assert entry.entity_id == str(user.id) and entry.changes == {"failed_logins": 2, "wait_seconds": 1}


def test_an_attempt_during_the_wait_is_a_failed_sign_in(console, user):
    db.session.execute(update(User).where(User.id == user.id).values(locked_until=utcnow() + timedelta(hours=1)))
    db.session.commit()
    assert console.login("ana@taller.test", PASSWORD).status_code == 401  # refused unchecked
    [entry] = entries("user", "sign_in_failed")
    assert entry.changes == {"reason": "waiting"}


def test_a_sign_out_is_recorded(console, user):
    console.login("ana@taller.test")
    console.post("/logout")
    assert [e.action for e in entries("user")][-2:] == ["sign_in", "sign_out"]
