"""Tools for staff editing templates: a live preview with sample values, warnings (unknown
variables, texts too long for their channel) and duplicating a template. Sending a test goes out
through delivery (app/delivery/checks.py)."""

from __future__ import annotations

import html
import uuid
from dataclasses import dataclass, field

from flask import current_app

from app.catalog import snapshot
from app.channels.push import DEFAULT_TITLE, MAX_PAYLOAD_BYTES, encode_payload
from app.extensions import db
from app.models import NotificationTemplate
from app.orchestration.rendering import (
    build_lookup,
    missing_variables,
    normalise_name,
    substitute,
    substitute_into_html,
    text_to_html,
)
from app.orchestration.variables import SAMPLE_CONTEXT

WHATSAPP_MAX_CHARS = 4096
SUBJECT_MAX_CHARS = 255
# Browsers cut push titles and bodies long before the payload limit; past these, staff should know.
PUSH_TITLE_VISIBLE_CHARS = 65
PUSH_BODY_VISIBLE_CHARS = 240


@dataclass
class Preview:
    """What the editor shows beside the form. `*_html` fields are already escaped."""

    subject: str
    body_html: str
    email_html: str = ""
    unknown_variables: list[str] = field(default_factory=list)
    warnings: list[dict[str, str]] = field(default_factory=list)
    length: int = 0
    payload_bytes: int | None = None

    def as_dict(self) -> dict:
        return {
            "subject": self.subject,
            "body_html": self.body_html,
            "email_html": self.email_html,
            "unknown_variables": self.unknown_variables,
            "warnings": self.warnings,
            "length": self.length,
            "payload_bytes": self.payload_bytes,
        }


def sample_lookup(*texts: str) -> tuple[dict[str, str], list[str]]:
    """Sample values for known variables; unknown ones render as themselves (and are reported)."""
    lookup = build_lookup(SAMPLE_CONTEXT)
    unknown = missing_variables(lookup, *texts)
    for name in unknown:
        lookup[normalise_name(name)] = "{{" + name + "}}"
    return lookup, unknown


def preview(channel: str, subject: str, body: str, html_body: str = "") -> Preview:
    """Render with SAMPLE_CONTEXT and collect warnings; never raises for template content."""
    lookup, unknown = sample_lookup(subject, body, html_body if channel == "email" else "")
    rendered_subject = substitute(subject, lookup)
    rendered_body = substitute(body, lookup)
    result = Preview(
        subject=rendered_subject,
        body_html=text_to_html(substitute(body, lookup, escape=True)),
        unknown_variables=unknown,
        length=len(rendered_body),
    )
    if channel == "email" and html_body:
        result.email_html = substitute_into_html(html_body, lookup)
    if unknown:
        result.warnings.append(
            {"code": "unknown_variables", "detail": ", ".join("{{" + n + "}}" for n in unknown)}
        )
    result.warnings.extend(_length_warnings(channel, rendered_subject, rendered_body, result))
    return result


def _length_warnings(channel: str, subject: str, body: str, result: Preview) -> list[dict[str, str]]:
    warnings: list[dict[str, str]] = []
    if channel == "email" and len(subject) > SUBJECT_MAX_CHARS:
        warnings.append({"code": "subject_too_long", "detail": f"{len(subject)} > {SUBJECT_MAX_CHARS}"})
    if channel == "whatsapp" and len(body) > WHATSAPP_MAX_CHARS:
        warnings.append({"code": "whatsapp_too_long", "detail": f"{len(body)} > {WHATSAPP_MAX_CHARS}"})
    if channel == "push":
        result.payload_bytes = push_payload_bytes(subject, body)
        if result.payload_bytes > MAX_PAYLOAD_BYTES:
            warnings.append(
                {"code": "push_payload_too_large", "detail": f"{result.payload_bytes} > {MAX_PAYLOAD_BYTES}"}
            )
        if len(subject) > PUSH_TITLE_VISIBLE_CHARS:
            warnings.append(
                {"code": "push_title_long", "detail": f"{len(subject)} > {PUSH_TITLE_VISIBLE_CHARS}"}
            )
        if len(body) > PUSH_BODY_VISIBLE_CHARS:
            warnings.append({"code": "push_body_long", "detail": f"{len(body)} > {PUSH_BODY_VISIBLE_CHARS}"})
    return warnings


def push_payload_bytes(title: str, body: str) -> int:
    """Size of the notification JSON the push adapter would build (same fields, sample extras)."""
    config = current_app.config
    payload = {
        "title": title or DEFAULT_TITLE,
        "body": body,
        "url": config.get("FRONTEND_URL", ""),
        "icon": config.get("PUSH_ICON_URL", ""),
        "badge": config.get("PUSH_BADGE_URL", ""),
        "tag": "avisos",
        "id": str(uuid.uuid4()),
        "data": {},
    }
    return len(encode_payload(payload))


COPIED_FIELDS = (
    "channel", "target", "event_type", "service_type_id", "phase_id", "subtype_id", "workshop_id",
    "subject", "body", "html_body",
)  # fmt: skip


def duplicate_template(template_id: uuid.UUID, suffix: str = " (copia)") -> NotificationTemplate:
    """A copy of the template, switched off so it never competes with the original until edited."""
    source = db.session.get(NotificationTemplate, template_id)
    if source is None:
        raise LookupError(str(template_id))
    copy = NotificationTemplate(name=(source.name + suffix)[:200], is_active=False)
    for name in COPIED_FIELDS:
        setattr(copy, name, getattr(source, name))
    db.session.add(copy)
    db.session.commit()
    snapshot.invalidate()
    return copy


def sample_message(template: NotificationTemplate) -> tuple[str, str, str]:
    """(subject, body, email HTML) of the template rendered with sample values, as a test send
    carries them; unknown variables stay as written."""
    lookup, _ = sample_lookup(template.subject or "", template.body or "", template.html_body or "")
    subject = substitute(template.subject or "", lookup)
    body = substitute(template.body or "", lookup)
    email_html = ""
    if template.channel == "email":
        email_html = (
            substitute_into_html(template.html_body, lookup)
            if template.html_body
            else text_to_html(html.escape(body))
        )
    return subject, body, email_html
