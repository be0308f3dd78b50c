"""A revoked API key is refused by its very next request, in this process and in any other."""

from __future__ import annotations

import requests

from app.api.auth import generate_api_key
from app.extensions import db
from app.models import ApiKey
from tests.app_process import app_process
from tests.conftest import BASE_OVERRIDES

PHASES = "/api/v1/notifications/phases/"


def _key() -> tuple[ApiKey, str]:
    row, raw = generate_api_key("core", scopes="dispatch read")
    db.session.commit()
    return row, raw


def _revoke_in_the_console(app, row: ApiKey) -> None:
    from app.cli.setup import upsert_user
    from tests.console.conftest import PASSWORD, ConsoleClient

    admin = ConsoleClient(app.test_client())
    assert admin.login(upsert_user("admin@taller.test", "admin", PASSWORD).email).status_code == 302
    assert admin.post("/admin/api-keys/revoke/", data={"id": str(row.id)}).status_code == 302


def test_a_revoked_key_is_refused_at_once_by_another_process(app, database_url):
    row, raw = _key()
    with app_process({**BASE_OVERRIDES, "DATABASE_URL": database_url}) as other:
        headers = {"X-API-Key": raw}
        assert requests.get(other + PHASES, headers=headers, timeout=30).status_code == 200
        _revoke_in_the_console(app, row)
        refused = requests.get(other + PHASES, headers=headers, timeout=30)
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "invalid_api_key"


def test_a_key_revoked_behind_this_process_is_refused_at_once(client, app):
    row, raw = _key()
    assert client.get(PHASES, headers={"X-API-Key": raw}).status_code == 200
    # Another process's revocation: a plain UPDATE, nothing in this process is told.
    with db.engine.begin() as conn:
        conn.execute(ApiKey.__table__.update().where(ApiKey.__table__.c.id == row.id).values(revoked_at=db.func.now()))
    assert client.get(PHASES, headers={"X-API-Key": raw}).status_code == 401
