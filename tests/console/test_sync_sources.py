"""Console: pull-sync sources (admin): create with a write-only URL, probar conexión, sincronizar ahora."""

from __future__ import annotations

import re

from sqlalchemy import select

from app.extensions import db
from app.models import Customer, SyncRun, SyncSource
from tests.sync.test_pull import T1, SourceDb, sources_allowed  # noqa: F401 (autouse)

PASSWORD_IN_URL = "clave-muy-secreta"


def form(url: str, **overrides) -> dict:
    data = {"name": "Cliente Quito", "url": url, "customer_table": "users",
            "customer_columns": "customer_id = user_id\nname = name\nemail = email\nupdated_at = updated_at",
            "vehicle_table": "", "vehicle_columns": "", "interval_minutes": "15", "batch_size": "500", "active": "y"}
    return {**data, **overrides}


def create(client, url: str, **overrides):
    return client.post("/admin/sync-sources/new", data=form(url, **overrides))


def only_source() -> SyncSource:
    db.session.expire_all()
    return db.session.scalars(select(SyncSource)).one()


def client_db(tmp_path) -> SourceDb:
    source = SourceDb(f"sqlite:///{tmp_path / 'client.db'}")
    source.user("U1", "Carlos Mendoza", T1, email="carlos@example.com")
    return source


def test_only_admins_see_the_page(signed_in):
    assert signed_in("operator").get("/admin/sync-sources/").status_code == 403


def test_the_new_source_form_proposes_the_reference_columns(signed_in):
    html = signed_in("admin").get("/admin/sync-sources/new").get_data(as_text=True)
    assert "customer_id = user_id" in html and "updated_at = updated_at" in html


def test_a_source_is_created_and_its_url_is_never_shown_again(signed_in, monkeypatch):
    from app import net_guard

    monkeypatch.setattr(net_guard, "resolve", lambda host, port: ("200.107.10.5",))  # a public address
    client = signed_in("admin")
    response = create(client, f"postgresql://lector:{PASSWORD_IN_URL}@db.cliente.ec:5432/taller")
    assert response.status_code == 302
    source = only_source()
    assert PASSWORD_IN_URL not in source.url_encrypted
    for page in (f"/admin/sync-sources/{source.id}/", f"/admin/sync-sources/{source.id}/edit", "/admin/sync-sources/"):
        html = client.get(page).get_data(as_text=True)
        assert PASSWORD_IN_URL not in html and "lector" not in html
    assert "postgresql://db.cliente.ec:5432/taller" in client.get(f"/admin/sync-sources/{source.id}/").get_data(as_text=True)


def test_editing_without_a_url_keeps_the_stored_one(signed_in, tmp_path):
    client = signed_in("admin")
    url = f"sqlite:///{tmp_path / 'client.db'}"
    create(client, url)
    source = only_source()
    response = client.post(f"/admin/sync-sources/{source.id}/edit", data=form("", interval_minutes="30"))
    assert response.status_code == 302
    source = only_source()
    assert source.interval_minutes == 30 and source.get_url() == url


def test_a_mapping_without_updated_at_is_refused(signed_in, tmp_path):
    response = create(signed_in("admin"), f"sqlite:///{tmp_path / 'c.db'}", customer_columns="customer_id = user_id")
    assert response.status_code == 200 and "updated_at" in response.get_data(as_text=True)
    assert db.session.scalars(select(SyncSource)).all() == []


def test_a_new_source_needs_a_url(signed_in):
    response = create(signed_in("admin"), "")
    assert response.status_code == 200 and "Enter the connection URL" in response.get_data(as_text=True)


def test_probar_conexion_reports_success(signed_in, tmp_path):
    client = signed_in("admin")
    create(client, client_db(tmp_path).url)
    source = only_source()
    html = client.post(f"/admin/sync-sources/{source.id}/test", follow_redirects=True).get_data(as_text=True)
    assert "Conexión correcta" in html


def test_probar_conexion_names_a_missing_column(signed_in, tmp_path):
    client = signed_in("admin")
    create(client, client_db(tmp_path).url, customer_columns="customer_id = user_id\nemail = correo\nupdated_at = updated_at")
    source = only_source()
    html = client.post(f"/admin/sync-sources/{source.id}/test", follow_redirects=True).get_data(as_text=True)
    assert "correo" in html and "Conexión correcta" not in html


def test_sincronizar_ahora_runs_the_source_and_shows_the_run(signed_in, tmp_path):
    client = signed_in("admin")
    create(client, client_db(tmp_path).url)
    source = only_source()
    html = client.post(f"/admin/sync-sources/{source.id}/run", follow_redirects=True).get_data(as_text=True)
    assert db.session.scalar(select(Customer.customer_id)) == "U1"
    run = db.session.scalar(select(SyncRun))
    assert run.trigger == "manual" and run.status == "success"
    assert re.search(r'data-testid="runs"', html) and "U1" in html  # the watermark key


def test_actions_need_the_csrf_token(signed_in, tmp_path):
    client = signed_in("admin")
    create(client, client_db(tmp_path).url)
    source = only_source()
    assert client.client.post(f"/admin/sync-sources/{source.id}/run").status_code == 400
    assert db.session.scalars(select(SyncRun)).all() == []


def test_reset_clears_the_watermarks(signed_in, tmp_path):
    client = signed_in("admin")
    create(client, client_db(tmp_path).url)
    source = only_source()
    client.post(f"/admin/sync-sources/{source.id}/run")
    client.post(f"/admin/sync-sources/{source.id}/reset")
    assert only_source().watermarks == {}


def test_a_source_pointing_at_the_metadata_service_is_refused_on_the_form(signed_in):
    response = create(signed_in("admin"), "postgresql://u:p@169.254.169.254:5432/x")
    assert response.status_code == 200 and "169.254.169.254" in response.get_data(as_text=True)
    assert db.session.scalars(select(SyncSource)).all() == []


def test_probar_conexion_shows_one_message_for_any_connection_failure(signed_in, app, monkeypatch):
    from app.sync import pull as pull_sync

    monkeypatch.setattr(pull_sync, "CONNECT_TIMEOUT", 1)
    app.config["SYNC_ALLOWED_HOSTS"] = ["127.0.0.1"]
    client = signed_in("admin")
    assert create(client, "postgresql://u:p@127.0.0.1:1/x").status_code == 302
    html = client.post(f"/admin/sync-sources/{only_source().id}/test", follow_redirects=True).get_data(as_text=True)
    assert "Could not connect to the source database" in html and "refused" not in html.lower()
