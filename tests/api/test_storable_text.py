"""Text PostgreSQL cannot store (NUL, unpaired surrogates) is a 400 naming the field, never a 500."""

import json

from sqlalchemy import func, select

from app.extensions import db
from app.models import DispatchEvent, ServicePhase
from tests import factories as f

DISPATCH = "/api/v1/notifications/events/dispatch/"
PHASES_SYNC = "/api/internal/v1/phases/sync/"


def raw_post(client, url, body: str, headers):
    return client.post(url, data=body, headers={**headers, "Content-Type": "application/json"})


def test_nul_in_a_context_value_is_a_400_naming_the_field(client, api_headers):
    res = raw_post(client, DISPATCH, '{"event_type": "x", "customer_id": "c", "service_type_id": "s", '
                                     '"context": {"nombre": "Ana\\u0000"}}', api_headers)
    assert res.status_code == 400
    body = res.get_json()
    assert body["code"] == "invalid_text"
    assert list(body["fields"]) == ["context.nombre"]


def test_unpaired_surrogate_in_a_key_is_a_400(client, api_headers):
    res = raw_post(client, DISPATCH, '{"context": {"\\ud800x": "1"}}', api_headers)
    assert res.status_code == 400
    assert list(res.get_json()["fields"]) == ["context.\\ud800x"]


def test_items_of_a_list_are_named_by_index(client, internal_headers):
    res = raw_post(client, PHASES_SYNC, '{"phases": [{"slug": "ok"}, {"slug": "a", "description": "\\u0000"}]}',
                   internal_headers)
    assert res.status_code == 400
    assert list(res.get_json()["error"]["fields"]) == ["phases[1].description"]
    assert db.session.scalar(select(func.count()).select_from(ServicePhase)) == 0


def test_nul_in_the_query_string_is_a_400(client, api_headers):
    res = client.get("/api/v1/notifications/phases/?q=a%00b", headers=api_headers)
    assert res.status_code == 400
    assert "q" in res.get_json()["error"]["fields"]


def test_nul_in_the_url_is_a_400(client, api_headers):
    res = client.get("/api/v1/notifications/events/a%00b/", headers=api_headers)
    assert res.status_code == 400
    assert "correlation_id" in res.get_json()["error"]["fields"]


def test_ordinary_accented_text_passes(client, api_headers):
    f.basic_setup()
    f.customer()
    db.session.commit()
    payload = f.dispatch_payload(context={**f.dispatch_payload()["context"], "nombre": "José Núñez 🚗"})
    assert client.post(DISPATCH, json=payload, headers=api_headers).status_code == 202
    assert db.session.scalar(select(func.count()).select_from(DispatchEvent)) == 1


def test_a_surrogate_sent_as_raw_utf8_bytes_is_a_400(client, api_headers):
    body = b'{"context": {"nombre": "Ana \xed\xa0\x80"}}'
    res = client.post(DISPATCH, data=body, headers={**api_headers, "Content-Type": "application/json"})
    assert res.status_code == 400
    assert list(res.get_json()["fields"]) == ["context.nombre"]


def test_text_escaped_as_ascii_passes(client, api_headers):
    f.basic_setup()
    f.customer()
    db.session.commit()
    payload = f.dispatch_payload(context={**f.dispatch_payload()["context"], "nombre": "Núñez 🚗"})
    res = raw_post(client, DISPATCH, json.dumps(payload, ensure_ascii=True), api_headers)
    assert res.status_code == 202
    assert db.session.scalar(select(DispatchEvent.context))["nombre"] == "Núñez 🚗"
