"""Respuestas in a real browser: a customer's WhatsApp reply, posted by the Evolution peer to the
receiver, appears in the open inbox and in the menu count without reloading (Redis live feed), and
an answer typed in the console arrives at the Evolution peer."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from app.extensions import db
from tests import factories as f

SECRET = "evo-browser-secret"
NUMBER = "593991234567"
MEASURED = Path(__file__).resolve().parent.parent / "artifacts" / "inbox_latency.txt"


@pytest.fixture
def inbox_ready(app, redis_url, peers_configured, live_url):
    """Live feed on, Evolution pointed at its peer, our receiver's URL."""
    app.config["REDIS_URL"] = redis_url
    app.config["EVOLUTION_WEBHOOK_SECRET"] = SECRET
    f.customer(phone="", whatsapp="0991234567")
    db.session.commit()
    return f"{live_url}/api/internal/v1/providers/evolution/webhook/?secret={SECRET}"


def _open_inbox(page) -> None:
    page.goto("/admin/inbox/")
    page.evaluate("window.__notReloaded = true")
    page.wait_for_function("() => window.AvisosLive && window.AvisosLive.connected")


def test_a_reply_appears_in_the_open_inbox_and_the_menu_count_live(inbox_ready, page, sign_in, peers_configured,
                                                                  screenshot):
    from playwright.sync_api import expect

    sign_in(page, "viewer")
    _open_inbox(page)
    expect(page.locator("[data-testid=inbox-count]")).to_have_attribute("data-count", "0")

    started = time.monotonic()
    status, _ = peers_configured["evolution"].post_upsert(inbox_ready, NUMBER, "¿A qué hora puedo retirarlo?")
    page.locator("[data-testid=inbox-item]", has_text="¿A qué hora puedo retirarlo?").wait_for()
    elapsed = time.monotonic() - started

    assert status == 200
    expect(page.locator("[data-testid=inbox-item]")).to_contain_text("Carlos Mendoza")
    expect(page.locator("[data-testid=inbox-count]")).to_have_attribute("data-count", "1")
    assert page.evaluate("window.__notReloaded") is True
    screenshot(page, "inbox-live")
    MEASURED.parent.mkdir(parents=True, exist_ok=True)
    with MEASURED.open("a") as out:
        out.write(f"webhook POST -> reply visible in the console: {elapsed * 1000:.0f} ms\n")
    print(f"webhook POST -> reply visible in the console: {elapsed * 1000:.0f} ms")


def test_an_answer_typed_in_the_console_arrives_at_the_evolution_peer(inbox_ready, page, sign_in, peers_configured):
    from playwright.sync_api import expect

    peers_configured["evolution"].post_upsert(inbox_ready, NUMBER, "¿Está listo mi carro?")
    sign_in(page, "operator")
    _open_inbox(page)

    item = page.locator("[data-testid=inbox-item]", has_text="¿Está listo mi carro?")
    item.locator("textarea[name=text]").fill("Sí, puede retirarlo desde las 15:00.")
    item.locator("button[type=submit]", has_text="Enviar").click()

    expect(page.locator(".alert-success")).to_contain_text("Respuesta enviada")
    assert [(b["number"], b["text"]) for b in peers_configured["evolution"].sent] == [
        (NUMBER, "Sí, puede retirarlo desde las 15:00.")]
    expect(page.locator("[data-testid=inbox-item]")).to_have_count(0)
    expect(page.locator("[data-testid=inbox-count]")).to_have_attribute("data-count", "0")
