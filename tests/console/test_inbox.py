"""Console page Respuestas: unanswered customer messages newest first, a staff answer sent through
Evolution as a normal notification row, mark handled, the menu count and the customer timeline."""

from __future__ import annotations

from sqlalchemy import select

from app import inbox
from app.extensions import db
from app.models import InboundMessage, Notification
from tests import factories as f
from tests.peers.evolution import upsert_body

NUMBER = "593991234567"


def receive(client, app, text: str, number: str = NUMBER, **options) -> None:
    """Post a messages.upsert to the receiver (the HTTP path is covered in tests/inbox)."""
    app.config["EVOLUTION_WEBHOOK_SECRET"] = "s"
    response = client.post("/api/internal/v1/providers/evolution/webhook/?secret=s",
                           json=upsert_body(number, text, **options))
    assert response.status_code == 200, response.get_json()


def messages() -> list[InboundMessage]:
    db.session.expire_all()
    return list(db.session.scalars(select(InboundMessage).order_by(InboundMessage.received_at)))


def test_inbox_lists_unanswered_messages_newest_first(app, client, signed_in):
    f.customer(phone="", whatsapp="0991234567")
    db.session.commit()
    receive(client, app, "primero", timestamp=1_800_000_000)
    receive(client, app, "segundo", "593987000111", timestamp=1_800_000_060)

    html = signed_in("viewer").get("/admin/inbox/").get_data(as_text=True)

    assert html.index("segundo") < html.index("primero")
    assert "Carlos Mendoza" in html and "sin cliente" in html


def test_menu_shows_the_count_of_unanswered_messages(app, client, signed_in):
    receive(client, app, "hola")
    receive(client, app, "otra", "593987000111")

    html = signed_in("viewer").get("/admin/").get_data(as_text=True)

    assert 'data-testid="inbox-count" data-count="2">2</span>' in html


def test_staff_answer_arrives_at_the_peer_as_a_notification_row(app, client, signed_in, peers_configured):
    f.customer(phone="", whatsapp="0991234567")
    db.session.commit()
    receive(client, app, "¿A qué hora cierran?")
    [message] = messages()
    staff = signed_in("operator")

    response = staff.post("/admin/inbox/answer/", data={"id": str(message.id), "text": "Hasta las 18:00."})

    assert response.status_code == 302
    assert [(b["number"], b["text"]) for b in peers_configured["evolution"].sent] == [(NUMBER, "Hasta las 18:00.")]
    [answered] = messages()
    row = db.session.get(Notification, answered.reply_notification_id)
    assert answered.status == "answered" and answered.handled_by == "operator@taller.test"
    assert row.channel == "whatsapp" and row.status == "sent" and row.event_type == "inbox.reply"
    assert row.payload["sent_by"] == "operator@taller.test" and row.customer_ref == "customer-001"
    assert "¿A qué hora cierran?" not in staff.get("/admin/inbox/").get_data(as_text=True)


def test_an_unknown_number_can_be_answered_too(app, client, signed_in, peers_configured):
    receive(client, app, "¿Tienen turno?", "593987000111")
    [message] = messages()

    signed_in("operator").post("/admin/inbox/answer/", data={"id": str(message.id), "text": "Sí, mañana."})

    assert [b["number"] for b in peers_configured["evolution"].sent] == ["593987000111"]


def test_an_opted_out_customer_cannot_be_answered_by_whatsapp(app, client, signed_in, peers_configured):
    f.customer(phone="", whatsapp="0991234567")
    db.session.commit()
    receive(client, app, "BAJA")
    receive(client, app, "¿y mi carro?")
    peers_configured["evolution"].reset()
    question = messages()[-1]

    response = signed_in("operator").post("/admin/inbox/answer/", data={"id": str(question.id), "text": "Listo"},
                                          follow_redirects=True)

    assert "se dio de baja de WhatsApp" in response.get_data(as_text=True)
    assert peers_configured["evolution"].sent == [] and messages()[-1].status == "open"


def test_mark_handled_closes_the_message_without_sending(app, client, signed_in, peers_configured):
    receive(client, app, "gracias")
    [message] = messages()

    signed_in("operator").post("/admin/inbox/handled/", data={"id": str(message.id)})

    [handled] = messages()
    assert handled.status == "handled" and handled.handled_by == "operator@taller.test"
    assert inbox.open_count() == 0 and peers_configured["evolution"].sent == []


def test_a_viewer_cannot_answer(app, client, signed_in, peers_configured):
    receive(client, app, "hola")
    [message] = messages()

    response = signed_in("viewer").post("/admin/inbox/answer/", data={"id": str(message.id), "text": "x"})

    assert response.status_code in (302, 403) and peers_configured["evolution"].sent == []
    assert messages()[0].status == "open"


def test_customer_timeline_shows_replies_in_line_with_notifications(app, client, api_headers, signed_in,
                                                                     peers_configured):
    f.basic_setup(channels={"email": False, "whatsapp": True, "push": False})
    customer = f.customer(phone="", whatsapp="0991234567")
    db.session.commit()
    client.post("/api/v1/notifications/events/dispatch/", json=f.dispatch_payload(), headers=api_headers)
    receive(client, app, "Perfecto, gracias")
    receive(client, app, "BAJA")

    html = signed_in("viewer").get(f"/admin/customer/details/?id={customer.id}").get_data(as_text=True)

    timeline = html[html.index('id="customer-timeline"'):]
    assert timeline.index("BAJA") < timeline.index("Perfecto, gracias") < timeline.index("appointment_scheduled")
    assert "Baja de WhatsApp" in timeline and "inbox.opt_out" in timeline


def test_an_answer_the_gateway_refuses_fails_without_a_fallback(app, client, signed_in, peers_configured):
    f.customer(phone="", whatsapp="0991234567")
    db.session.commit()
    receive(client, app, "¿Siguen abiertos?")
    [message] = messages()
    peers_configured["evolution"].script_not_registered()

    signed_in("operator").post("/admin/inbox/answer/", data={"id": str(message.id), "text": "Sí"})

    db.session.expire_all()
    rows = db.session.scalars(select(Notification).where(Notification.event_type == "inbox.reply")).all()
    assert [(r.channel, r.status) for r in rows] == [("whatsapp", "failed")]
