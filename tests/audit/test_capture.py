"""Field diffs from the ORM: one entry per changed row, written in the transaction that changes it."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from app import audit
from app.extensions import db
from app.models import ApiKey, User, Workshop
from app.models.base import utcnow
from tests.audit.conftest import entries


def _workshop(**kw) -> Workshop:
    row = Workshop(code=kw.pop("code", "norte"), name=kw.pop("name", "Taller Norte"), **kw)
    db.session.add(row)
    db.session.commit()
    return row


def test_a_created_row_is_one_create_entry_with_its_values(app):
    row = _workshop()
    [entry] = entries("workshop")
    assert (entry.action, entry.entity_id, entry.entity_label) == ("create", str(row.id), "Taller Norte")
    assert entry.changes["code"] == [None, "norte"]
    assert entry.changes["email_enabled"] == [None, True]
    assert "created_at" not in entry.changes


def test_an_update_records_only_the_changed_fields_before_and_after(app):
    row = _workshop()
    row.whatsapp_enabled = False
    row.phone = "+593 2 000"
    db.session.commit()
    entry = entries("workshop", "update")[0]
    assert entry.changes == {"whatsapp_enabled": [True, False], "phone": ["", "+593 2 000"]}


def test_a_delete_records_the_values_it_had(app):
    row = _workshop()
    row_id = row.id
    db.session.delete(row)
    db.session.commit()
    [entry] = entries("workshop", "delete")
    assert entry.entity_id == str(row_id)
    assert entry.changes["name"] == ["Taller Norte", None]


def test_several_flushes_in_one_transaction_are_one_entry(app):
    row = _workshop()
    row.name = "Taller Sur"
    db.session.flush()
    row.name = "Taller Oeste"
    db.session.flush()
    db.session.commit()
    [entry] = entries("workshop", "update")
    assert entry.changes == {"name": ["Taller Norte", "Taller Oeste"]}


def test_created_then_changed_in_one_transaction_is_one_create(app):
    row = Workshop(code="x", name="A")
    db.session.add(row)
    db.session.flush()
    row.name = "B"
    db.session.commit()
    [entry] = entries("workshop")
    assert entry.action == "create" and entry.changes["name"] == [None, "B"]


def test_a_change_back_to_where_it_started_is_no_entry(app):
    row = _workshop()
    row.name = "Otro"
    db.session.flush()
    row.name = "Taller Norte"
    db.session.commit()
    assert entries("workshop", "update") == []


def test_a_rolled_back_change_leaves_no_entry(app):
    row = _workshop()
    row.name = "Otro"
    db.session.flush()
    db.session.rollback()
    db.session.commit()
    assert entries("workshop", "update") == []


def test_operational_columns_make_no_entry(app):
    user = User(email="a@taller.test", password_hash="x", role="viewer")
    db.session.add(user)
    db.session.commit()
    user.failed_logins = 3
    user.last_login_at = utcnow()
    db.session.commit()
    assert entries("user", "update") == []


def test_setting_revoked_at_is_recorded_as_revoke(app):
    key = ApiKey(name="core", prefix="avk_abc", key_hash="h" * 64)
    db.session.add(key)
    db.session.commit()
    key.revoked_at = utcnow()
    db.session.commit()
    assert [e.action for e in entries("api_key")] == ["create", "revoke"]


def test_a_named_action_replaces_update(app):
    row = _workshop()
    with audit.named_action("restore"):
        row.name = "Restaurado"
        db.session.commit()
    assert entries("workshop")[-1].action == "restore"


def test_outside_requests_and_commands_the_actor_is_system(app):
    _workshop()
    [entry] = entries("workshop")
    assert (entry.actor_type, entry.actor_label) == ("system", "system")


def test_an_actor_scope_names_the_actor(app):
    with audit.actor_scope(audit.CLI):
        _workshop()
    assert entries("workshop")[0].actor_label == "cli"


def test_a_bulk_update_of_configuration_is_refused(app):
    row = _workshop()
    with pytest.raises(audit.UnauditedWrite):
        db.session.execute(update(Workshop).where(Workshop.id == row.id).values(name="Sin registro"))
    db.session.rollback()


def test_a_bulk_update_of_operational_columns_is_allowed(app):
    key = ApiKey(name="core", prefix="avk_abc", key_hash="h" * 64)
    db.session.add(key)
    db.session.commit()
    db.session.execute(update(ApiKey).where(ApiKey.id == key.id).values(last_used_at=utcnow()))
    db.session.commit()
    assert [e.action for e in entries("api_key")] == ["create"]


def test_a_bulk_update_marked_as_recorded_is_allowed_with_its_own_entry(app):
    row = _workshop()
    db.session.execute(update(Workshop).where(Workshop.id == row.id).values(name="Masivo")
                       .execution_options(audit_recorded=True))
    audit.record("workshop", row.id, "update", changes={"name": ["Taller Norte", "Masivo"]})
    db.session.commit()
    assert entries("workshop", "update")[0].changes == {"name": ["Taller Norte", "Masivo"]}
