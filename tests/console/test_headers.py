"""Security headers of the HTML pages: a Content-Security-Policy whose nonce every inline script
carries, no framing by other sites, no referrer leaving the site; none of it on JSON answers."""

from __future__ import annotations

import re

import pytest

from tests.browser.test_console_pages import _sample_log

_SCRIPT = re.compile(r"<script\b([^>]*)>", re.I)


def _inline_scripts(html: str) -> list[str]:
    """The attributes of every inline, executable script tag."""
    found = []
    for attributes in _SCRIPT.findall(html):
        if "src=" in attributes or re.search(r'type="(text/template|application/json)"', attributes):
            continue
        found.append(attributes)
    return found


def _policy(response) -> dict[str, str]:
    return {part.split()[0]: part.strip() for part in response.headers["Content-Security-Policy"].split(";")}


@pytest.mark.parametrize("path", ["/admin/", "/admin/notifications/", "/admin/customer/new/", "/admin/template/",
                                  "/admin/analytics/", "/admin/users/new/", "/admin/api-keys/", "/admin/matrix/"])
def test_every_inline_script_carries_the_responses_nonce(signed_in, path):
    _sample_log()
    response = signed_in("admin").get(path)
    assert response.status_code == 200
    script_src = _policy(response)["script-src"]
    nonces = re.findall(r"'nonce-([^']+)'", script_src)
    for attributes in _inline_scripts(response.get_data(as_text=True)):
        assert nonces and f'nonce="{nonces[0]}"' in attributes, (path, attributes)
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src


def test_no_inline_event_handler_is_left_but_the_one_the_policy_hashes(signed_in):
    _sample_log()
    client = signed_in("admin")
    for path in ("/admin/notifications/", "/admin/customer/", "/admin/api-keys/", "/admin/integrations/"):
        html = client.get(path).get_data(as_text=True)
        assert set(re.findall(r'\son[a-z]+="([^"]*)"', html)) <= {"return false;"}, path


@pytest.mark.parametrize("path", ["/login", "/admin/"])
def test_html_pages_refuse_framing_and_keep_the_referrer_inside(console, path):
    response = console.get(path, follow_redirects=True)
    policy = _policy(response)
    assert policy["frame-ancestors"] == "frame-ancestors 'self'" and policy["object-src"] == "object-src 'none'"
    assert policy["form-action"] == "form-action 'self'" and policy["base-uri"] == "base-uri 'self'"
    assert response.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_a_page_without_inline_scripts_gets_no_nonce(console):
    assert "nonce" not in console.get("/login").headers["Content-Security-Policy"]


def test_nonces_differ_between_responses(signed_in):
    client = signed_in("admin")
    first, second = (_policy(client.get("/admin/notifications/"))["script-src"] for _ in range(2))
    assert first != second


def test_json_answers_carry_no_page_headers(client):
    response = client.get("/healthz")
    assert "Content-Security-Policy" not in response.headers and "X-Frame-Options" not in response.headers


def test_the_api_documentation_pages_keep_their_scripts(client):
    response = client.get("/api/docs/")
    assert "Content-Security-Policy" not in response.headers and response.headers["X-Frame-Options"] == "SAMEORIGIN"
