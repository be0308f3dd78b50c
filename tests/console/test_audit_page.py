"""Console page Auditoría: admin only, filters by who / what / when (local days), CSV export."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.extensions import db
from app.models import AuditEntry

PAGE = "/admin/audit/"


def entry(at: datetime, actor: str, entity_type: str = "template", entity_id: str = "t1", label: str = "Plantilla A",
          action: str = "update", changes: dict | None = None) -> AuditEntry:
    row = AuditEntry(at=at, actor_type="user", actor_id=None, actor_label=actor, entity_type=entity_type,
                     entity_id=entity_id, entity_label=label, action=action, changes=changes or {}, ip_address="")
    db.session.add(row)
    return row


@pytest.fixture
def log(app):
    # Guayaquil is UTC-5: 03:00 UTC on 2 March is 22:00 on 1 March there.
    entry(datetime(2026, 3, 2, 3, 0, tzinfo=UTC), "ana@taller.test", changes={"body": ["Hola", "Buenas"]})
    entry(datetime(2026, 3, 2, 15, 0, tzinfo=UTC), "luis@taller.test", entity_type="workshop", entity_id="w9",
          label="Taller Norte", changes={"whatsapp_enabled": [True, False]})
    entry(datetime(2026, 3, 5, 12, 0, tzinfo=UTC), "erp", entity_type="api_key", entity_id="k1", label="=cmd", action="revoke")
    db.session.commit()


def _rows(html: str) -> int:
    return html.count("<tr data-entity=")


@pytest.mark.parametrize("role", ["viewer", "operator"])
def test_only_admins_see_the_page(signed_in, role):
    assert signed_in(role).get(PAGE).status_code == 403


def test_anonymous_is_sent_to_login(console):
    response = console.get(PAGE)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_page_lists_entries_newest_first_in_local_time(signed_in, log):
    html = signed_in("admin").get(PAGE).get_data(as_text=True)
    assert html.index("erp") < html.index("luis@taller.test") < html.index("ana@taller.test")
    assert "2026-03-01 22:00:00" in html
    assert "Hola" in html and "Buenas" in html


def test_the_page_filters_by_who(signed_in, log):
    html = signed_in("admin").get(PAGE + "?quien=LUIS").get_data(as_text=True)
    assert _rows(html) == 1 and "Taller Norte" in html


def test_the_page_filters_by_entity_type_and_id(signed_in, log):
    client = signed_in("admin")
    assert _rows(client.get(PAGE + "?tipo=workshop").get_data(as_text=True)) == 1
    assert _rows(client.get(PAGE + "?tipo=template&que=t1").get_data(as_text=True)) == 1
    assert _rows(client.get(PAGE + "?que=norte").get_data(as_text=True)) == 1


def test_the_date_range_is_in_local_days(signed_in, log):
    client = signed_in("admin")
    html = client.get(PAGE + "?desde=2026-03-01&hasta=2026-03-01").get_data(as_text=True)
    assert _rows(html) == 1 and "ana@taller.test" in html
    assert _rows(client.get(PAGE + "?desde=2026-03-02&hasta=2026-03-04").get_data(as_text=True)) == 1


def test_a_bad_date_is_named_not_a_500(signed_in, log):
    response = signed_in("admin").get(PAGE + "?desde=ayer")
    assert response.status_code == 400 and "ayer" in response.get_data(as_text=True)


def test_the_page_offers_no_edit_or_delete(signed_in, log):
    client = signed_in("admin")
    html = client.get(PAGE).get_data(as_text=True)
    table = html[html.index('data-testid="audit-log"'):html.index("</table>")]
    assert "<form" not in table and "<button" not in table
    assert client.post(PAGE, data={}).status_code == 405


def test_the_csv_export_has_the_filters_bom_semicolons_spanish_headers_and_local_times(signed_in, log):
    response = signed_in("admin").get(PAGE + "export.csv?desde=2026-03-01&hasta=2026-03-31&tipo=template")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeffFecha y hora;Tipo de actor;Quién;Acción;Tipo de entidad;Id de la entidad;Entidad;")
    lines = text.strip("\ufeff").strip().split("\r\n")
    assert len(lines) == 2
    assert lines[1].startswith("2026-03-01 22:00:00;Usuario;ana@taller.test;Modificación;Plantilla;t1;Plantilla A;")
    assert "body: Hola → Buenas" in lines[1]


def test_the_csv_export_neutralises_formula_cells(signed_in, log):
    text = signed_in("admin").get(PAGE + "export.csv?tipo=api_key").get_data(as_text=True)
    assert ";'=cmd;" in text


def test_the_page_speaks_english_when_asked(signed_in, log):
    html = signed_in("admin").get(PAGE + "?lang=en").get_data(as_text=True)
    assert "Audit log" in html and "Updated" in html and "Revoked" in html and "Export CSV" in html
    assert "Modificación" not in html and "Exportar CSV" not in html
