"""Webhook endpoints: create, update, rotate the secret, disable/enable, and the URL safety check.

Endpoint URLs that resolve to private, loopback, link-local (or otherwise non-public) addresses are
refused unless the host is listed in WEBHOOK_ALLOWED_HOSTS: the service must not become a way to
reach the internal network (app/net_guard.py). The check runs on save and again before
every send (DNS can change), and the send connects to the address that check saw.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from flask import current_app

from app import net_guard
from app.extensions import db
from app.integrations.events import EVENT_TYPES
from app.integrations.webhooks import signing, subscriptions
from app.models import WebhookEndpoint
from app.models.base import isoformat_z, utcnow

MAX_DESCRIPTION = 255
MAX_URL = 2000


class EndpointInputError(ValueError):
    """Invalid endpoint fields: `fields` maps each field to its problems."""

    def __init__(self, fields: dict[str, list[str]]):
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in fields.items()))
        self.fields = fields


def target(url: str) -> net_guard.Target:
    """The URL's host as checked against WEBHOOK_ALLOWED_HOSTS (app/net_guard.py)."""
    return net_guard.url_target(url, current_app.config.get("WEBHOOK_ALLOWED_HOSTS") or [], "WEBHOOK_ALLOWED_HOSTS")


def url_problem(url: str) -> str | None:
    """Why `url` may not receive webhooks, or None when it may."""
    return target(url).problem


def _clean(url, event_types, description) -> tuple[str, list[str], str]:
    problems: dict[str, list[str]] = {}
    url = (url or "").strip() if isinstance(url, str) else url
    if not isinstance(url, str) or not url:
        problems["url"] = ["Obligatorio."]
    elif len(url) > MAX_URL:
        problems["url"] = [f"Máximo {MAX_URL} caracteres."]
    elif (problem := url_problem(url)) is not None:
        problems["url"] = [problem]
    if not isinstance(event_types, list) or not event_types or not all(isinstance(e, str) for e in event_types):
        problems["event_types"] = [f"Una lista no vacía de: {', '.join(EVENT_TYPES)}."]
    elif unknown := sorted(set(event_types) - set(EVENT_TYPES)):
        problems["event_types"] = [f"Tipos desconocidos: {', '.join(unknown)}."]
    if not isinstance(description, str) or len(description) > MAX_DESCRIPTION:
        problems["description"] = [f"Texto de hasta {MAX_DESCRIPTION} caracteres."]
    if problems:
        raise EndpointInputError(problems)
    ordered = [e for e in EVENT_TYPES if e in set(event_types)]
    return url, ordered, description.strip()


def create_endpoint(url, event_types, description="", active: bool = True) -> tuple[WebhookEndpoint, str]:
    """Validate and store an endpoint (committed); returns it and its secret, shown only this once."""
    url, event_types, description = _clean(url, event_types, description)
    secret = signing.generate_secret()
    endpoint = WebhookEndpoint(url=url, event_types=event_types, description=description, active=bool(active),
                               secret_encrypted=signing.encrypt(secret), secret_hint=signing.secret_hint(secret),
                               disabled_reason="")
    db.session.add(endpoint)
    db.session.commit()
    subscriptions.invalidate()
    return endpoint, secret


def update_endpoint(endpoint: WebhookEndpoint, changes: dict) -> WebhookEndpoint:
    """Apply `url`, `event_types`, `description`, `active` (any subset); committed."""
    url, event_types, description = _clean(
        changes.get("url", endpoint.url), changes.get("event_types", endpoint.event_types),
        changes.get("description", endpoint.description),
    )
    endpoint.url, endpoint.event_types, endpoint.description = url, event_types, description
    if "active" in changes:
        set_active(endpoint, bool(changes["active"]), commit=False)
    db.session.commit()
    subscriptions.invalidate()
    return endpoint


def set_active(endpoint: WebhookEndpoint, active: bool, commit: bool = True) -> None:
    """Enable (clearing an automatic disable and the failure streak) or disable by hand."""
    endpoint.active = active
    if active:
        endpoint.disabled_at, endpoint.disabled_reason, endpoint.failing_since = None, "", None
    if commit:
        db.session.commit()
        subscriptions.invalidate()


def rotate_secret(endpoint: WebhookEndpoint) -> str:
    """A new secret; the old one keeps signing for WEBHOOK_SECRET_GRACE_SECONDS. Returns the new one."""
    secret = signing.generate_secret()
    grace = current_app.config["WEBHOOK_SECRET_GRACE_SECONDS"]
    endpoint.previous_secret_encrypted = endpoint.secret_encrypted
    endpoint.previous_secret_expires_at = utcnow() + timedelta(seconds=grace)
    endpoint.secret_encrypted = signing.encrypt(secret)
    endpoint.secret_hint = signing.secret_hint(secret)
    db.session.commit()
    return secret


def signing_secrets(endpoint: WebhookEndpoint) -> list[str]:
    """The secrets that sign now: the current one, plus the previous one during its grace period."""
    found = [signing.decrypt(endpoint.secret_encrypted)]
    expires = endpoint.previous_secret_expires_at
    if endpoint.previous_secret_encrypted and expires is not None and expires > utcnow():
        found.append(signing.decrypt(endpoint.previous_secret_encrypted))
    return [s for s in found if s]


def delete_endpoint(endpoint: WebhookEndpoint) -> None:
    db.session.delete(endpoint)
    db.session.commit()
    subscriptions.invalidate()


def get_endpoint(endpoint_id) -> WebhookEndpoint | None:
    try:
        key = endpoint_id if isinstance(endpoint_id, uuid.UUID) else uuid.UUID(str(endpoint_id))
    except ValueError:
        return None
    return db.session.get(WebhookEndpoint, key)


def serialise(endpoint: WebhookEndpoint) -> dict:
    """The endpoint as the API shows it: never the secret, only its hint."""
    return {
        "id": str(endpoint.id), "url": endpoint.url, "description": endpoint.description,
        "event_types": list(endpoint.event_types or []), "active": endpoint.active,
        "secret_hint": endpoint.secret_hint,
        "rotation_expires_at": isoformat_z(endpoint.previous_secret_expires_at),
        "failing_since": isoformat_z(endpoint.failing_since), "disabled_at": isoformat_z(endpoint.disabled_at),
        "disabled_reason": endpoint.disabled_reason, "created_at": isoformat_z(endpoint.created_at),
    }
