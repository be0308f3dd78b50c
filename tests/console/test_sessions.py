"""Signing out, a new password, another role or deactivation end every session and remember-me
cookie of the user (a copied cookie stops working at once)."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.models import User
from tests.console.conftest import PASSWORD, ConsoleClient

USERS = "/admin/users/"


def _signed_in(app, user: User, remember: bool = False) -> ConsoleClient:
    client = ConsoleClient(app.test_client())
    extra = {"remember": "y"} if remember else {}
    assert client.login(user.email, **extra).status_code == 302
    return client


def _cookie_copy(app, source: ConsoleClient, name: str):
    """Another browser holding only `name` copied from `source` (a stolen cookie, say)."""
    thief = app.test_client()
    thief.set_cookie(name, source.client.get_cookie(name).value)
    return thief


def _works(client) -> bool:
    return client.get("/admin/").status_code == 200


def test_a_copied_session_cookie_stops_working_after_sign_out(app, make_user):
    client = _signed_in(app, make_user("operator"))
    copy = _cookie_copy(app, client, "session")
    assert _works(copy)
    client.post("/logout")
    assert not _works(copy)


def test_a_remember_me_cookie_stops_working_after_sign_out(app, make_user):
    client = _signed_in(app, make_user("operator"), remember=True)
    copy = _cookie_copy(app, client, "remember_token")
    assert _works(copy)
    client.post("/logout")
    assert not _works(copy)


def test_signing_out_ends_the_users_sessions_on_every_device(app, make_user):
    user = make_user("viewer")
    laptop, phone = _signed_in(app, user), _signed_in(app, user, remember=True)
    laptop.post("/logout")
    assert not _works(phone)


def _edit_user(admin: ConsoleClient, user: User, **changes) -> None:
    data = {"email": user.email, "name": user.name or "", "role": user.role,
            **({"is_active": "y"} if user.is_active else {}), **changes}
    if changes.get("is_active") is False:
        data.pop("is_active")
    response = admin.post(f"{USERS}edit/?id={user.id}", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:400]


@pytest.mark.parametrize("changes", [{"password": "a-brand-new-password"}, {"role": "viewer"},
                                     {"is_active": False}], ids=["password", "role", "deactivation"])
def test_a_credential_change_by_an_admin_ends_the_users_sessions(app, make_user, changes):
    user = make_user("operator")
    session_client = _signed_in(app, user)
    remembered = _cookie_copy(app, _signed_in(app, user, remember=True), "remember_token")
    admin = _signed_in(app, make_user("admin"))
    _edit_user(admin, user, **changes)
    assert not _works(session_client) and not _works(remembered)


def test_editing_only_the_name_keeps_the_sessions(app, make_user):
    user = make_user("operator")
    client = _signed_in(app, user)
    _edit_user(_signed_in(app, make_user("admin")), user, name="Nuevo nombre")
    assert _works(client)


def test_an_admin_changing_their_own_password_stays_signed_in_here_only(app, make_user):
    admin_user = make_user("admin")
    here, elsewhere = _signed_in(app, admin_user), _signed_in(app, admin_user)
    _edit_user(here, admin_user, password="a-brand-new-password")
    assert _works(here) and not _works(elsewhere)


def test_a_new_password_set_from_the_command_line_ends_the_sessions(app, make_user):
    user = make_user("operator")
    client = _signed_in(app, user)
    result = app.test_cli_runner().invoke(args=["create-user", user.email, "--role", "operator",
                                                "--password", "another-long-password"])
    assert result.exit_code == 0
    assert not _works(client)


def test_a_session_from_before_session_versions_is_refused(app, make_user):
    user = make_user("operator")
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = str(user.id)  # what Flask-Login stored before this change
        session["_fresh"] = True
    assert not _works(client)


def test_sign_in_still_works_after_sign_out(app, make_user):
    user = make_user("operator")
    client = _signed_in(app, user)
    client.post("/logout")
    assert client.login(user.email, PASSWORD).status_code == 302 and _works(client)
    db.session.expire_all()
    assert db.session.get(User, user.id).session_version == 1


def test_api_answers_set_no_session_cookie_and_do_not_vary_on_it(app, make_user):
    client = _signed_in(app, make_user("operator"), remember=True)
    answer = client.client.post("/api/v1/notifications/events/dispatch/", json={})
    assert answer.status_code == 401
    assert "Set-Cookie" not in answer.headers
    assert "Cookie" not in answer.headers.get("Vary", "")
    assert _works(client)  # the console session it carried is untouched


def test_console_pages_still_vary_on_the_session_cookie(app, make_user):
    client = _signed_in(app, make_user("operator"))
    assert "Cookie" in client.get("/admin/").headers.get("Vary", "")
