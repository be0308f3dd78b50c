"""Bodies that are not JSON Avisos accepts (NaN, Infinity, huge numbers, deep nesting) are a 400
naming the problem, never a 500, on every parser (dispatch, the API's helpers, the internal API)."""

import pytest

from app.api.json_body import MAX_DEPTH, JsonBodyError, loads_strict
from app.extensions import db
from app.models import DispatchEvent
from tests import factories as f

DISPATCH = "/api/v1/notifications/events/dispatch/"
CUSTOMER_SYNC = "/api/internal/v1/customers/sync/"
DEEP = "[" * 5000 + "]" * 5000


def raw_post(client, url, body: str, headers):
    return client.post(url, data=body, headers={**headers, "Content-Type": "application/json"})


@pytest.mark.parametrize("body, problem", [
    ('{"context": {"km": NaN}}', "NaN"), ('{"context": {"km": -Infinity}}', "-Infinity"),
    ('{"context": {"km": 1e400}}', "too large"), (DEEP, "nest more than"),
    ('{"a": ' * 100 + "1" + "}" * 100, "nest more than"),
])
def test_dispatch_refuses_the_body_naming_the_problem(client, api_headers, body, problem):
    res = raw_post(client, DISPATCH, body, api_headers)
    assert res.status_code == 400
    body = res.get_json()  # the dispatch path's flat error shape (docs/CLIENTS.md)
    assert body["code"] == "malformed_json" and problem in body["fields"]["body"][0] and problem in body["error"]
    assert db.session.query(DispatchEvent).count() == 0


@pytest.mark.parametrize("body", ['{"customer_id": "c", "name": NaN}', DEEP])
def test_the_internal_api_refuses_the_body(client, internal_headers, body):
    res = raw_post(client, CUSTOMER_SYNC, body, internal_headers)
    assert res.status_code == 400 and res.get_json()["error"]["code"] == "malformed_json"


def test_the_api_helpers_refuse_the_body(client, api_headers):
    f.customer("C-1")
    db.session.commit()
    res = client.patch("/api/v1/notifications/customers/C-1/", data='{"first_name": "Ana", "x": Infinity}',
                       headers={**api_headers, "Content-Type": "application/json"})
    assert res.status_code == 400 and "Infinity" in res.get_json()["error"]["message"]


def test_a_body_that_also_carries_a_nul_is_still_a_400(client, api_headers):
    res = raw_post(client, DISPATCH, '{"context": {"a": "\\u0000", "b": NaN}}', api_headers)
    assert res.status_code == 400


def test_nesting_up_to_the_limit_parses():
    assert loads_strict("[" * MAX_DEPTH + "]" * MAX_DEPTH) is not None
    with pytest.raises(JsonBodyError):
        loads_strict("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1))


def test_brackets_inside_strings_do_not_count_as_nesting():
    assert loads_strict('{"a": "' + "[{" * 100 + '"}') == {"a": "[{" * 100}


def test_ordinary_numbers_still_parse():
    assert loads_strict(b'{"a": 1.5, "b": -2, "c": 1e10}') == {"a": 1.5, "b": -2, "c": 1e10}
