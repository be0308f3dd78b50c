"""Checking a provider's configuration: a connection check, or one real test message."""

from __future__ import annotations

import uuid

from flask import current_app
from sqlalchemy import select

from app.channels.base import CheckResult, Message, PushTarget, SendResult
from app.channels.registry import build_channel
from app.extensions import db
from app.models import Customer, PushSubscription

TEST_SUBJECT = "Prueba de Avisos"
TEST_BODY = "Este es un mensaje de prueba de Avisos. Si lo recibió, el canal está bien configurado."


def check_provider(channel: str) -> CheckResult:
    adapter = build_channel(channel, current_app.config)
    try:
        return adapter.check()
    finally:
        adapter.close()


def _push_targets(customer_ref: str) -> tuple[PushTarget, ...]:
    customer = db.session.execute(select(Customer).where(Customer.customer_id == customer_ref)).scalar_one_or_none()
    if customer is None:
        return ()
    subs = db.session.scalars(select(PushSubscription).where(
        PushSubscription.customer_id == customer.id, PushSubscription.is_active))
    return tuple(PushTarget(str(s.id), s.endpoint, s.p256dh, s.auth) for s in subs)


def send_test_message(channel: str, address: str) -> SendResult:
    """Send one test message; for push, `address` is a customer_id whose subscriptions receive it."""
    adapter = build_channel(channel, current_app.config)
    message = Message(
        notification_id=str(uuid.uuid4()), channel=channel, recipient=address, subject=TEST_SUBJECT,
        body=TEST_BODY, html_body=f"<p>{TEST_BODY}</p>" if channel == "email" else "",
        payload={"url": current_app.config["FRONTEND_URL"], "tag": "avisos-test"},
        push_targets=_push_targets(address) if channel == "push" else (),
    )
    try:
        return adapter.send(message)
    finally:
        adapter.close()
