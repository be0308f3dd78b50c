"""Usuarios and Claves de API: admin only; keys shown once; forms report their errors."""

import re

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import ApiKey, User
from app.models.base import utcnow

USERS = "/admin/users/"
KEYS = "/admin/api-keys/"


@pytest.mark.parametrize("url", [USERS, KEYS])
def test_anonymous_access_pages_redirect_to_login(console, url):
    assert "/login" in console.get(url).headers["Location"]


@pytest.mark.parametrize("role", ["viewer", "operator"])
@pytest.mark.parametrize("url", [USERS, KEYS, USERS + "new/"])
def test_non_admins_are_refused_access_pages(signed_in, role, url):
    assert signed_in(role).get(url).status_code == 403


def test_operator_cannot_create_a_user_by_posting(signed_in):
    client = signed_in("operator")
    client.post(USERS + "new/", data={"email": "x@taller.test", "role": "admin", "password": "p" * 12})
    assert db.session.execute(select(User).where(User.email == "x@taller.test")).scalar() is None


def test_admin_creates_a_user_with_a_hashed_password(signed_in):
    client = signed_in("admin")
    response = client.post(USERS + "new/", data={"email": "New@Taller.test", "name": "Ana", "role": "operator",
                                                  "is_active": "y", "password": "long-enough-pass"})
    assert response.status_code == 302
    user = db.session.execute(select(User).where(User.email == "new@taller.test")).scalar_one()
    assert user.role == "operator" and user.password_hash.startswith(("scrypt:", "pbkdf2:"))


def test_user_list_never_shows_password_hashes(signed_in):
    html = signed_in("admin").get(USERS).get_data(as_text=True)
    assert "scrypt:" not in html and "pbkdf2:" not in html


def test_a_short_password_is_reported_on_the_user_form(signed_in):
    client = signed_in("admin")
    html = client.post(USERS + "new/", data={"email": "s@taller.test", "role": "viewer", "password": "short"}).get_data(as_text=True)
    assert "10" in html and "is-invalid" in html
    assert db.session.execute(select(User).where(User.email == "s@taller.test")).scalar() is None


def test_a_new_user_without_password_is_refused(signed_in):
    client = signed_in("admin")
    html = client.post(USERS + "new/", data={"email": "n@taller.test", "role": "viewer"}).get_data(as_text=True)
    assert "La contraseña es obligatoria" in html


def test_a_duplicate_email_is_refused(signed_in):
    client = signed_in("admin")
    html = client.post(USERS + "new/", data={"email": "admin@taller.test", "role": "viewer",
                                             "password": "long-enough-pass"}).get_data(as_text=True)
    assert "Ya existe." in html and "is-invalid" in html


def test_admin_creates_an_api_key_shown_once(signed_in):
    client = signed_in("admin")
    response = client.post(KEYS, data={"name": "Core", "dispatch": "y", "read": "y", "expires_days": "30"})
    html = response.get_data(as_text=True)
    key = db.session.execute(select(ApiKey)).scalar_one()
    assert response.headers["Cache-Control"] == "no-store"
    assert 'data-testid="new-key"' in html
    assert key.expires_at is not None and key.scopes.split() == ["dispatch", "read"]
    again = client.get(KEYS).get_data(as_text=True)
    assert 'data-testid="new-key"' not in again and key.prefix in again


def test_api_key_form_errors_are_shown(signed_in):
    client = signed_in("admin")
    response = client.post(KEYS, data={"name": "", "expires_days": "0"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert html.count("invalid-feedback") >= 2
    assert db.session.execute(select(ApiKey)).scalar() is None


def test_api_key_without_scopes_is_refused(signed_in):
    html = signed_in("admin").post(KEYS, data={"name": "Nada"}).get_data(as_text=True)
    assert "Elija al menos un permiso." in html


def test_admin_revokes_an_api_key(signed_in):
    from app.api.auth import generate_api_key

    client = signed_in("admin")
    row, _ = generate_api_key("old", scopes="read")
    db.session.commit()
    client.post(KEYS + "revoke/", data={"id": str(row.id)})
    db.session.expire_all()
    assert db.session.get(ApiKey, row.id).revoked_at <= utcnow()


def test_revoke_without_csrf_token_is_refused(signed_in):
    from app.api.auth import generate_api_key

    client = signed_in("admin")
    row, _ = generate_api_key("old", scopes="read")
    db.session.commit()
    assert client.client.post(KEYS + "revoke/", data={"id": str(row.id)}).status_code == 400
    db.session.expire_all()
    assert db.session.get(ApiKey, row.id).revoked_at is None


def test_the_key_form_offers_the_apis_scopes_with_descriptions(signed_in):
    from app.api.auth import SCOPES

    html = signed_in("admin").get("/admin/api-keys/").get_data(as_text=True)
    offered = re.findall(r'data-scope="(\w+)"', html)
    assert tuple(offered) == SCOPES and "Registrar y quitar suscripciones push" in html


def test_a_push_key_is_created_and_shown_once_with_a_copy_button(signed_in):
    client = signed_in("admin")
    html = client.post("/admin/api-keys/", data={"name": "pwa", "push": "y"}).get_data(as_text=True)
    assert 'data-testid="copy-key"' in html
    assert db.session.scalars(select(ApiKey).where(ApiKey.name == "pwa")).one().scopes == "push"
