from app.extensions import db
from app.models import NotificationTemplate
from tests.factories import basic_setup, template, workshop

BASE = "/api/v1/notifications/templates/"


def _new(setup, **kw):
    body = {"name": "Nueva", "channel": "email", "target": "clients",
            "service_type": str(setup.types["mantenimiento-preventivo"].id),
            "phase": str(setup.phases["phase-repair"].id), "subject": "Hola", "body": "Hola {{Nombre}}"}
    body.update(kw)
    return body


def test_list_filters_by_channel_and_phase(client, api_headers):
    setup = basic_setup()
    ph = setup.phases["phase-schedule"]
    body = client.get(f"{BASE}?channel=push&phase_id={ph.id}", headers=api_headers).get_json()
    assert body["count"] == 2
    assert all(t["channel"] == "push" and t["phase"] == str(ph.id) for t in body["results"])


def test_list_filters_global_templates_with_taller_id_null(client, api_headers):
    setup = basic_setup()
    shop = workshop()
    template("email", setup.types["mantenimiento-preventivo"], setup.phases["phase-repair"], "x", shop=shop)
    db.session.commit()
    assert client.get(f"{BASE}?taller_id={shop.id}", headers=api_headers).get_json()["count"] == 1
    assert client.get(f"{BASE}?taller_id=null", headers=api_headers).get_json()["count"] == 30


def test_list_rejects_a_bad_filter_value(client, api_headers):
    res = client.get(f"{BASE}?service_type_id=nope", headers=api_headers)
    assert res.status_code == 400 and "service_type_id" in res.get_json()["error"]["fields"]


def test_create_returns_the_full_object(client, api_headers):
    setup = basic_setup()
    res = client.post(BASE, headers=api_headers, json=_new(setup))
    assert res.status_code == 201
    body = res.get_json()
    assert body["id"] and body["channel_display"] == "Email" and body["phase_name"] == "Reparación"
    assert body["variables"] == ["Nombre"]


def test_create_names_each_invalid_field(client, api_headers):
    setup = basic_setup()
    res = client.post(BASE, headers=api_headers, json=_new(setup, channel="fax", body=""))
    fields = res.get_json()["error"]["fields"]
    assert res.status_code == 400 and {"channel", "body"} <= set(fields)
    assert res.get_json()["detail"]


def test_create_rejects_an_unknown_phase(client, api_headers):
    setup = basic_setup()
    res = client.post(BASE, headers=api_headers, json=_new(setup, phase="00000000-0000-0000-0000-000000000000"))
    assert res.status_code == 400 and res.get_json()["error"]["fields"]["phase"]


def test_put_requires_every_field_and_patch_does_not(client, api_headers):
    setup = basic_setup()
    t = setup.templates["mantenimiento-preventivo:phase-repair:email"]
    assert client.put(f"{BASE}{t.id}/", headers=api_headers, json={"name": "x"}).status_code == 400
    res = client.patch(f"{BASE}{t.id}/", headers=api_headers, json={"name": "Renombrada", "is_active": False})
    assert res.status_code == 200
    assert res.get_json()["name"] == "Renombrada" and res.get_json()["body"] == t.body
    assert res.get_json()["is_active"] is False


def test_delete_is_204_then_404(client, api_headers):
    setup = basic_setup()
    t = setup.templates["mantenimiento-preventivo:phase-repair:email"]
    assert client.delete(f"{BASE}{t.id}/", headers=api_headers).status_code == 204
    assert db.session.get(NotificationTemplate, t.id) is None
    assert client.delete(f"{BASE}{t.id}/", headers=api_headers).status_code == 404


def test_preview_renders_with_context(client, api_headers):
    res = client.post(f"{BASE}preview/", headers=api_headers,
                      json={"body": "Hola {{Nombre}}", "subject": "{{Placa}}", "context": {"nombre": "Ana", "Placa": "P1"}})
    assert res.status_code == 200
    assert res.get_json()["body"] == "Hola Ana" and res.get_json()["subject"] == "P1"


def test_preview_lists_missing_variables(client, api_headers):
    res = client.post(f"{BASE}preview/", headers=api_headers, json={"body": "{{Nombre}} {{Placa}}", "context": {}})
    assert res.status_code == 400
    assert res.get_json()["error"]["fields"]["missing_variables"] == ["Nombre", "Placa"]


def test_variables_is_a_bare_array(client, api_headers):
    body = client.get(f"{BASE}variables/", headers=api_headers).get_json()
    assert isinstance(body, list) and body[0]["placeholder"] == "{{Nombre}}"


def test_for_context_applies_dispatch_precedence(client, api_headers):
    setup = basic_setup()
    frenos = setup.types["averia-frenos"]
    specific = template("email", setup.types["averia-revision"], setup.phases["phase-repair"], "frenos",
                        subtype=frenos, name="Frenos email")
    db.session.commit()
    query = "service_type=averia-revision&phase=phase-repair&channel=email&target=clients"
    general = client.get(f"{BASE}for_context/?{query}", headers=api_headers).get_json()
    assert general[0]["id"] == str(setup.templates["averia-revision:phase-repair:email"].id)
    assert specific.id not in {t["id"] for t in general}  # without the subtype: the generic ones only
    chosen = client.get(f"{BASE}for_context/?{query}&subtype=averia-frenos", headers=api_headers).get_json()
    assert [t["id"] for t in chosen] == [str(specific.id), general[0]["id"]]  # the subtype's first, then generic


def test_for_context_takes_the_reference_query_names(client, api_headers):
    setup = basic_setup()
    db.session.commit()
    ids = f"service_type_id={setup.types['averia-revision'].id}&phase_id={setup.phases['phase-repair'].id}"
    found = client.get(f"{BASE}for_context/?{ids}&channel=email&target=clients", headers=api_headers).get_json()
    assert [t["id"] for t in found] == [str(setup.templates["averia-revision:phase-repair:email"].id)]


def test_for_context_refuses_one_parameter_under_two_names_with_different_values(client, api_headers):
    basic_setup()
    res = client.get(f"{BASE}for_context/?service_type_id=averia-revision&service_type=mantenimiento-preventivo"
                     "&phase_id=phase-repair&channel=email", headers=api_headers)
    assert res.status_code == 400 and set(res.get_json()["error"]["fields"]) == {"service_type_id", "service_type"}


def test_for_context_without_a_match_is_an_empty_list(client, api_headers):
    basic_setup()
    res = client.get(f"{BASE}for_context/?service_type=averia-revision&phase=phase-repair&channel=email&target=staff",
                     headers=api_headers)
    assert res.status_code == 200 and res.get_json() == []
