"""app/crypto.py: one key derivation for every secret stored encrypted, with the keys stored data
was encrypted under."""

import base64
import hashlib

import pytest
from cryptography.fernet import Fernet

from app.crypto import fernet


def derived(label: bytes, material: str) -> Fernet:
    return Fernet(base64.urlsafe_b64encode(hashlib.sha256(label + material.encode()).digest()))


@pytest.mark.parametrize("purpose, label", [("webhook-secrets", b"avisos-webhook-secrets:"),
                                            ("sync-sources", b"avisos-sync-sources:")])
def test_a_purpose_derives_its_key_from_secret_key_as_stored_secrets_were(app, purpose, label):
    token = derived(label, app.config["SECRET_KEY"]).encrypt(b"stored before")
    assert fernet(purpose).decrypt(token) == b"stored before"


def test_a_configured_fernet_key_is_used_as_it_is(app):
    key = Fernet.generate_key().decode()
    assert fernet("sync-sources", key).decrypt(Fernet(key).encrypt(b"x")) == b"x"


def test_configured_text_that_is_not_a_fernet_key_is_derived_from(app):
    token = derived(b"avisos-sync-sources:", "not a key").encrypt(b"x")
    assert fernet("sync-sources", "not a key").decrypt(token) == b"x"


def test_purposes_do_not_share_a_key(app):
    with pytest.raises(Exception):
        fernet("sync-sources").decrypt(fernet("webhook-secrets").encrypt(b"x"))
