"""The one redaction rule: secret fields are stored as *** wherever an entry comes from."""

from __future__ import annotations

import pytest

from app import audit
from app.audit.redaction import redact_changes
from app.channels.settings import CHANNEL_SETTINGS
from app.extensions import db
from app.models import SyncSource, User, WebhookEndpoint
from tests.audit.conftest import entries, stored_text

SECRET_COLUMNS = {
    User: {"password_hash"},
    WebhookEndpoint: {"secret_encrypted", "previous_secret_encrypted", "secret_hint"},
    SyncSource: {"url_encrypted"},
}


@pytest.mark.parametrize("name", ["EMAIL_HOST_PASSWORD", "EVOLUTION_API_KEY", "VAPID_PRIVATE_KEY", "password_hash",
                                  "key_hash", "secret_encrypted", "url_encrypted", "access_token"])
def test_every_kind_of_secret_matches_the_rule(name):
    assert audit.is_secret(name)


def test_the_rule_keeps_ordinary_fields():
    assert not any(audit.is_secret(name) for name in ("name", "email", "role", "scopes", "prefix", "url_summary",
                                                       "body", "enabled", "event_types", "url"))


def test_every_channel_credential_setting_is_covered():
    credentials = {"EMAIL_HOST_PASSWORD", "EVOLUTION_API_KEY", "VAPID_PRIVATE_KEY"}
    assert credentials <= set(CHANNEL_SETTINGS) and all(audit.is_secret(n) for n in credentials)


def test_audited_secret_columns_match_the_rule():
    for model, columns in SECRET_COLUMNS.items():
        assert all(audit.is_secret(c) for c in columns), model


def test_a_secret_keeps_that_it_changed_and_that_it_was_empty():
    assert redact_changes({"password_hash": ["", "scrypt:abc"], "name": ["a", "b"]}) == {
        "password_hash": ["", "***"], "name": ["a", "b"]}


def test_nested_secrets_are_redacted():
    assert redact_changes({"settings": {"EVOLUTION_API_KEY": "k-123", "EVOLUTION_INSTANCE": "taller"}}) == {
        "settings": {"EVOLUTION_API_KEY": "***", "EVOLUTION_INSTANCE": "taller"}}


def test_an_explicit_entry_is_redacted_by_the_same_rule(app):
    audit.record("settings", "whatsapp", "update", changes={"EVOLUTION_API_KEY": ["old-key-1", "new-key-2"]})
    db.session.commit()
    assert entries("settings")[0].changes == {"EVOLUTION_API_KEY": ["***", "***"]}
    assert "old-key-1" not in stored_text() and "new-key-2" not in stored_text()
