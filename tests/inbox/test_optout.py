"""Opt-out and opt-in by WhatsApp message: the preference changes, one confirmation goes out, the
planner skips WhatsApp afterwards and fallback uses the next channel."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import ChannelPreference, InboundMessage, Notification
from tests import factories as f
from tests.inbox.conftest import reload_all

NUMBER = "593991234567"


def whatsapp_pref(customer) -> ChannelPreference | None:
    reload_all()
    return db.session.scalar(select(ChannelPreference).where(ChannelPreference.customer_id == customer.id,
                                                             ChannelPreference.channel == "whatsapp"))


def confirmations(peer) -> list[dict]:
    return [body for body in peer.sent if body["number"] == NUMBER]


@pytest.mark.parametrize("word", ["BAJA", "baja", "Stop", "cancelar", "No más", "¡NO MAS!"])
def test_an_opt_out_word_switches_whatsapp_off(receiver_url, evolution_peer, carlos, word):
    evolution_peer.post_upsert(receiver_url, NUMBER, word)

    assert whatsapp_pref(carlos[1]).enabled is False
    [message] = db.session.scalars(select(InboundMessage)).all()
    assert message.kind == "opt_out" and message.status == "handled" and message.handled_by == "auto"


def test_opt_out_sends_one_confirmation_however_often_it_is_repeated(receiver_url, evolution_peer, carlos):
    evolution_peer.post_upsert(receiver_url, NUMBER, "BAJA")
    evolution_peer.post_upsert(receiver_url, NUMBER, "BAJA")

    [confirmation] = confirmations(evolution_peer)
    assert "ALTA" in confirmation["text"]
    reload_all()
    [row] = db.session.scalars(select(Notification).where(Notification.event_type == "inbox.opt_out")).all()
    assert row.status == "sent" and row.customer_id == carlos[1].id


def test_a_word_inside_a_sentence_is_not_an_opt_out(receiver_url, evolution_peer, carlos):
    evolution_peer.post_upsert(receiver_url, NUMBER, "No me den de baja todavía, gracias")

    assert whatsapp_pref(carlos[1]) is None and confirmations(evolution_peer) == []


def test_configured_words_replace_the_defaults(app, receiver_url, evolution_peer, carlos):
    app.config["INBOX_OPT_OUT_WORDS"] = ["SALIR"]

    evolution_peer.post_upsert(receiver_url, NUMBER, "baja")
    assert whatsapp_pref(carlos[1]) is None
    evolution_peer.post_upsert(receiver_url, NUMBER, "Salir")
    assert whatsapp_pref(carlos[1]).enabled is False


def test_alta_switches_whatsapp_back_on_with_a_confirmation(receiver_url, evolution_peer, carlos):
    evolution_peer.post_upsert(receiver_url, NUMBER, "BAJA")
    evolution_peer.post_upsert(receiver_url, NUMBER, "alta")

    assert whatsapp_pref(carlos[1]).enabled is True
    assert len(confirmations(evolution_peer)) == 2 and "BAJA" in confirmations(evolution_peer)[1]["text"]


def test_after_opt_out_a_dispatch_skips_whatsapp_and_uses_email(client, api_headers, receiver_url, evolution_peer,
                                                                  smtp_peer, carlos):
    evolution_peer.post_upsert(receiver_url, NUMBER, "BAJA")
    evolution_peer.reset()

    response = client.post("/api/v1/notifications/events/dispatch/", json=f.dispatch_payload(), headers=api_headers)

    assert response.status_code == 202
    channels = [n["channel"] for n in response.get_json()["notifications"]]
    assert "whatsapp" not in channels and "email" in channels
    assert evolution_peer.sent == [] and len(smtp_peer.messages) == 1


def test_after_opt_out_the_fallback_of_a_failed_email_is_not_whatsapp(client, api_headers, receiver_url,
                                                                      evolution_peer, smtp_peer):
    f.basic_setup(channels={"email": True, "whatsapp": False, "push": False})
    customer = f.customer(phone="", whatsapp="0991234567", preferences=[("email", True, 1), ("whatsapp", True, 2)])
    db.session.commit()
    evolution_peer.post_upsert(receiver_url, NUMBER, "BAJA")
    evolution_peer.reset()
    smtp_peer.reject_recipient("carlos@example.com")

    response = client.post("/api/v1/notifications/events/dispatch/", json=f.dispatch_payload(), headers=api_headers)

    assert response.status_code == 202
    reload_all()
    rows = db.session.scalars(select(Notification).where(Notification.customer_id == customer.id,
                                                         Notification.event_type != "inbox.opt_out")).all()
    assert [(r.channel, r.status) for r in rows] == [("email", "failed")]
    assert evolution_peer.sent == []


def test_without_opt_out_the_same_failed_email_falls_back_to_whatsapp(client, api_headers, evolution_peer, smtp_peer,
                                                                      peers_configured):
    f.basic_setup(channels={"email": True, "whatsapp": False, "push": False})
    f.customer(phone="", whatsapp="0991234567", preferences=[("email", True, 1), ("whatsapp", True, 2)])
    db.session.commit()
    smtp_peer.reject_recipient("carlos@example.com")

    client.post("/api/v1/notifications/events/dispatch/", json=f.dispatch_payload(), headers=api_headers)

    assert [body["number"] for body in evolution_peer.sent] == [NUMBER]


def test_opt_out_cancels_whatsapp_messages_still_waiting_to_be_sent(client, api_headers, receiver_url,
                                                                    evolution_peer, carlos):
    evolution_peer.script(503, {"status": 503, "error": "Service Unavailable"})
    response = client.post("/api/v1/notifications/events/dispatch/", json=f.dispatch_payload(), headers=api_headers)
    waiting = next(n["id"] for n in response.get_json()["notifications"] if n["channel"] == "whatsapp")
    reload_all()
    assert db.session.get(Notification, uuid.UUID(waiting)).status == "retrying"

    evolution_peer.post_upsert(receiver_url, NUMBER, "BAJA")

    reload_all()
    row = db.session.get(Notification, uuid.UUID(waiting))
    assert row.status == "cancelled" and row.error_code == "opted_out"
