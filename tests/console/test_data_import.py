"""Console: CSV import (upload, preview, error report, confirm) and CSV exports."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Customer

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "csv"


@pytest.fixture(autouse=True)
def upload_dir(app, tmp_path):
    app.config["IMPORT_UPLOAD_DIR"] = str(tmp_path / "uploads")


def upload(client, name: str, entity: str = "customers", **extra):
    data = {"entity": entity, "file": (io.BytesIO((FIXTURES / name).read_bytes()), name), **extra}
    return client.post("/admin/data/preview", data=data, content_type="multipart/form-data")


def token_of(html: str) -> str:
    return re.search(r'name="token" value="([^"]+)"', html).group(1)


def customer_ids() -> list[str]:
    db.session.expire_all()
    return sorted(db.session.scalars(select(Customer.customer_id)))


def test_the_page_offers_import_and_exports(signed_in):
    html = signed_in("operator").get("/admin/data/").get_data(as_text=True)
    assert 'data-testid="import-form"' in html and "/admin/data/export/notifications" in html


def test_viewers_cannot_import(signed_in):
    assert signed_in("viewer").get("/admin/data/").status_code == 403


def test_a_preview_shows_the_first_rows_and_writes_nothing(signed_in):
    response = upload(signed_in("operator"), "customers_bom_semicolon.csv")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "María José" in html and "Nuevas: 3" in html
    assert customer_ids() == []


def test_confirming_a_preview_imports_the_file(signed_in):
    client = signed_in("operator")
    token = token_of(upload(client, "customers_bom_semicolon.csv").get_data(as_text=True))
    response = client.post("/admin/data/confirm", data={"token": token, "entity": "customers"})
    assert 'data-testid="import-done"' in response.get_data(as_text=True)
    assert customer_ids() == ["C-001", "C-002", "C-003"]


def test_a_file_with_errors_is_reported_by_line_and_column_and_cannot_be_confirmed(signed_in):
    html = upload(signed_in("operator"), "customers_errors.csv").get_data(as_text=True)
    table = html.split('data-testid="import-errors"')[1]
    assert re.search(r"<td>4</td><td>Correo</td>", table) and re.search(r"<td>5</td><td>Versión</td>", table)
    assert re.search(r'data-testid="import-confirm"\s+disabled|disabled data-testid="import-confirm"', html)


def test_the_preview_offers_importing_only_the_valid_rows_with_spanish_messages(signed_in):
    client = signed_in("operator")
    html = upload(client, "customers_errors.csv").get_data(as_text=True)
    assert 'data-testid="import-valid-rows"' in html and "Importar solo las 2 filas válidas" in html
    assert "Escriba un correo electrónico válido." in html and "Enter a valid" not in html
    assert "<th title=\"customer_id\">Código de cliente</th>" in html


def test_skip_invalid_imports_the_valid_rows(signed_in):
    client = signed_in("operator")
    token = token_of(upload(client, "customers_errors.csv", skip_invalid="1").get_data(as_text=True))
    client.post("/admin/data/confirm", data={"token": token, "entity": "customers", "skip_invalid": "1"})
    assert customer_ids() == ["C-010", "C-013"]


def test_a_token_this_session_did_not_upload_is_refused(signed_in):
    from app.data_io import save_upload

    token = save_upload((FIXTURES / "customers_comma.csv").read_bytes())  # e.g. another user's upload
    response = signed_in("operator").post("/admin/data/confirm", data={"token": token, "entity": "customers"})
    assert response.status_code == 302 and customer_ids() == []


def test_a_file_that_is_not_utf8_is_refused_with_a_message(signed_in):
    client = signed_in("operator")
    data = {"entity": "customers", "file": (io.BytesIO("customer_id\nPeña\n".encode("latin-1")), "x.csv")}
    response = client.post("/admin/data/preview", data=data, content_type="multipart/form-data",
                           follow_redirects=True)
    assert "UTF-8" in response.get_data(as_text=True)


def test_confirm_needs_the_csrf_token(signed_in):
    client = signed_in("operator")
    response = client.client.post("/admin/data/confirm", data={"token": "x" * 20, "entity": "customers"})
    assert response.status_code == 400


def test_exports_download_csv(signed_in):
    client = signed_in("operator")
    upload_token = token_of(upload(client, "customers_comma.csv").get_data(as_text=True))
    client.post("/admin/data/confirm", data={"token": upload_token, "entity": "customers"})
    response = client.get("/admin/data/export/customers")
    body = response.get_data(as_text=True)
    assert response.mimetype == "text/csv" and "attachment" in response.headers["Content-Disposition"]
    assert body.startswith("\ufeffCódigo de cliente;Nombres;") and "C-004;Lucía;Torres" in body


def test_an_exported_file_imports_back_unchanged(signed_in):
    client = signed_in("operator")
    client.post("/admin/data/confirm", data={"token": token_of(upload(client, "customers_comma.csv").get_data(as_text=True)),
                                             "entity": "customers"})
    exported = client.get("/admin/data/export/customers").get_data()
    html = client.post("/admin/data/preview", data={"entity": "customers", "file": (io.BytesIO(exported), "c.csv")},
                       content_type="multipart/form-data").get_data(as_text=True)
    assert "data-testid=\"import-errors\"" not in html, html.split("import-errors")[1][:600]
    assert "Nuevas: 0" in html and "Rechazadas: 0" in html


def test_notification_export_takes_filters(signed_in):
    response = signed_in("operator").get("/admin/data/export/notifications?since=2026-01-01&status=failed&channel=email")
    assert response.status_code == 200 and response.get_data(as_text=True).startswith("\ufeffCreada;Id;")


def test_exports_write_formula_cells_with_a_leading_apostrophe(signed_in):
    from tests import factories

    client = signed_in("operator")
    factories.customer("C-1", first_name="-2+3+cmd|' /C calc'!A0", last_name="\tTab")
    db.session.commit()
    body = client.get("/admin/data/export/customers").get_data(as_text=True)
    assert "C-1;'-2+3+cmd|' /C calc'!A0;'\tTab;" in body
