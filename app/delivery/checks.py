"""Checking a provider's configuration: a connection check, or one real test message (a fixed
text, or a template rendered with sample values)."""

from __future__ import annotations

import uuid

from flask import current_app

from app import catalog
from app.channels.base import CheckResult, Message, SendResult
from app.channels.registry import build_channel
from app.models import NotificationTemplate
from app.records import push_targets_for

TEST_SUBJECT = "Prueba de Avisos"
TEST_BODY = "Este es un mensaje de prueba de Avisos. Si lo recibió, el canal está bien configurado."


def check_provider(channel: str) -> CheckResult:
    adapter = build_channel(channel, current_app.config)
    try:
        return adapter.check()
    finally:
        adapter.close()


def send_test_message(channel: str, address: str) -> SendResult:
    """Send one test message; for push, `address` is a customer_id whose subscriptions receive it."""
    html_body = f"<p>{TEST_BODY}</p>" if channel == "email" else ""
    return _send_once(channel, address, TEST_SUBJECT, TEST_BODY, html_body)


def send_template_test(template: NotificationTemplate, address: str) -> SendResult:
    """Render the template with sample values and send it once to `address` (for push: a
    customer_id whose subscriptions receive it). Unknown variables go out as written."""
    return _send_once(template.channel, address, *catalog.sample_message(template))


def _send_once(channel: str, address: str, subject: str, body: str, html_body: str) -> SendResult:
    message = Message(
        notification_id=str(uuid.uuid4()), channel=channel, recipient=address, subject=subject, body=body,
        html_body=html_body, payload={"url": current_app.config["FRONTEND_URL"], "tag": "avisos-test"},
        push_targets=push_targets_for(address) if channel == "push" else (),
    )
    adapter = build_channel(channel, current_app.config)
    try:
        return adapter.send(message)
    finally:
        adapter.close()
