"""Templates for the JSON API: filtered listing, validated writes, preview, and the lookup by
context that applies the same precedence as dispatch (app/orchestration/planning.choose_template)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from app.catalog import snapshot
from app.catalog.snapshot import template_data
from app.extensions import db
from app.models import NotificationTemplate, ServicePhase, ServiceType, Workshop
from app.models.base import parse_uuid
from app.orchestration.planning import EventSpec, choose_template, template_precedence
from app.orchestration.rendering import (
    RenderedMessage,
    build_lookup,
    extract_variables,
    normalise_name,
    render_message,
    substitute,
)
from app.orchestration.variables import SAMPLE_CONTEXT

WRITABLE = ("name", "channel", "target", "event_type", "subject", "body", "html_body", "is_default", "is_active")


class TemplateInvalid(Exception):
    """A write names rows that do not exist or do not fit together; `fields` says which."""

    def __init__(self, fields: dict[str, list[str]]):
        self.fields = fields
        super().__init__("; ".join(f"{k}: {', '.join(v)}" for k, v in fields.items()))


def list_query(filters: Mapping[str, Any]):
    """A select of templates matching the reference's list filters (None = not filtered)."""
    query = select(NotificationTemplate).options(
        selectinload(NotificationTemplate.service_type), selectinload(NotificationTemplate.subtype),
        selectinload(NotificationTemplate.phase),
    )
    for name, column in (("channel", NotificationTemplate.channel), ("target", NotificationTemplate.target),
                         ("service_type_id", NotificationTemplate.service_type_id),
                         ("phase_id", NotificationTemplate.phase_id),
                         ("is_active", NotificationTemplate.is_active),
                         ("is_default", NotificationTemplate.is_default)):
        if filters.get(name) is not None:
            query = query.where(column == filters[name])
    if filters.get("subtype_id") is not None:
        # The reference: that subtype's templates and the generic ones.
        query = query.where(or_(NotificationTemplate.subtype_id == filters["subtype_id"],
                                NotificationTemplate.subtype_id.is_(None)))
    taller = filters.get("taller_id")
    if taller == "null":
        query = query.where(NotificationTemplate.workshop_id.is_(None))
    elif taller is not None:
        query = query.where(NotificationTemplate.workshop_id == taller)
    return query.order_by(NotificationTemplate.name, NotificationTemplate.id)


def _check_references(values: Mapping[str, Any]) -> None:
    problems: dict[str, list[str]] = {}
    stype = db.session.get(ServiceType, values["service_type"]) if values.get("service_type") else None
    if values.get("service_type") and (stype is None or stype.parent_id is not None):
        problems["service_type"] = ["Unknown top-level service type."]
    if values.get("subtype"):
        sub = db.session.get(ServiceType, values["subtype"])
        if sub is None or sub.parent_id is None:
            problems["subtype"] = ["Unknown subtype."]
        elif stype is not None and sub.parent_id != stype.id:
            problems["subtype"] = ["This subtype belongs to another service type."]
    if values.get("phase") and db.session.get(ServicePhase, values["phase"]) is None:
        problems["phase"] = ["Unknown phase."]
    if values.get("taller_id") and find_workshop(values["taller_id"]) is None:
        problems["taller_id"] = [f"Unknown workshop '{values['taller_id']}' (give a workshop's id or code, or null)."]
    if problems:
        raise TemplateInvalid(problems)


def find_workshop(ref: Any) -> Workshop | None:
    """A workshop by id or by code (the reference's taller_id was a free string)."""
    if isinstance(ref, uuid.UUID):
        return db.session.get(Workshop, ref)
    ident = parse_uuid(str(ref))
    if ident is not None:
        return db.session.get(Workshop, ident)
    return db.session.scalar(select(Workshop).where(Workshop.code == str(ref)))



def save_template(template: NotificationTemplate | None, values: Mapping[str, Any]) -> NotificationTemplate:
    """Create (template=None) or overwrite a template from validated values; commits."""
    _check_references(values)
    if template is None:
        template = NotificationTemplate()
        db.session.add(template)
    for name in WRITABLE:
        setattr(template, name, values.get(name))
    template.event_type = values.get("event_type") or None
    template.service_type_id = values.get("service_type")
    template.phase_id = values.get("phase")
    template.subtype_id = values.get("subtype")
    template.subject = values.get("subject") or ""
    template.workshop_id = find_workshop(values["taller_id"]).id if values.get("taller_id") else None
    db.session.commit()
    snapshot.invalidate()
    return template


def stored_values(template: NotificationTemplate) -> dict[str, Any]:
    """The template in write-body field names (what PATCH merges the sent fields into)."""
    values = {name: getattr(template, name) for name in WRITABLE}
    values.update(service_type=template.service_type_id, phase=template.phase_id, subtype=template.subtype_id,
                  taller_id=str(template.workshop_id) if template.workshop_id else None)
    return values


def delete_template(template: NotificationTemplate) -> None:
    db.session.delete(template)
    db.session.commit()
    snapshot.invalidate()


@dataclass(frozen=True)
class Preview:
    message: RenderedMessage
    variables: list[str]


def sample_preview(body: str) -> str:
    """The body rendered with sample values (the reference's `preview`); unknown variables stay as written."""
    lookup = build_lookup(SAMPLE_CONTEXT)
    for name in extract_variables(body):
        lookup.setdefault(normalise_name(name), "{{" + name + "}}")
    return substitute(body, lookup)


def preview(subject: str, body: str, html_body: str, channel: str, context: Mapping[str, Any],
            use_sample: bool = False) -> Preview:
    """Render like dispatch does; raises MissingVariables naming every variable not in `context`."""
    values = {**SAMPLE_CONTEXT, **context} if use_sample else dict(context)
    message = render_message(subject, body, values, html_template=html_body, with_html=channel == "email")
    return Preview(message, extract_variables(subject, body, html_body))


def _resolve(model: type, ref: str | None, **where: Any):
    if not ref:
        return None
    try:
        ident = uuid.UUID(str(ref))
    except ValueError:
        ident = None
    column = model.id == ident if ident else model.slug == ref
    return db.session.scalar(select(model).filter_by(**where).where(column))


def for_context(service_type: str, phase: str, channel: str, target: str, subtype: str | None = None,
                workshop_id: uuid.UUID | None = None) -> list[NotificationTemplate]:
    """The active templates a matrix cell can use for this context (ids or slugs), best first: the one
    dispatch would choose comes first, then in dispatch's precedence (defaults first among equals).

    As the reference: with a subtype, that subtype's templates and the generic ones; without, the
    generic ones only. Templates for any service type (none named) are included after the type's own.
    Nothing matches: []."""
    stype = _resolve(ServiceType, service_type)
    phase_row = _resolve(ServicePhase, phase)
    sub = _resolve(ServiceType, subtype) if subtype else None
    if stype is None or phase_row is None or (subtype and sub is None):
        return []
    root = stype.parent or stype
    if stype.parent_id is not None and sub is None:
        sub = stype
    spec = EventSpec(event_type="", target=target, service_type_id=str(root.id),
                     subtype_id=str(sub.id) if sub else None, phase_id=str(phase_row.id),
                     workshop_id=str(workshop_id) if workshop_id else None)
    candidates = db.session.scalars(select(NotificationTemplate).where(
        NotificationTemplate.is_active, NotificationTemplate.channel == channel,
        NotificationTemplate.target == target, NotificationTemplate.phase_id == phase_row.id,
        or_(NotificationTemplate.service_type_id == root.id, NotificationTemplate.service_type_id.is_(None)),
        or_(NotificationTemplate.subtype_id.is_(None), NotificationTemplate.subtype_id == (sub.id if sub else None)),
        or_(NotificationTemplate.workshop_id.is_(None), NotificationTemplate.workshop_id == workshop_id),
    ).options(selectinload(NotificationTemplate.service_type), selectinload(NotificationTemplate.subtype),
              selectinload(NotificationTemplate.phase))).all()
    cell = _cell_template(spec, channel)
    chosen = choose_template([template_data(t) for t in candidates], spec, channel, cell)
    data = {str(t.id): template_data(t) for t in candidates}

    def rank(t: NotificationTemplate) -> tuple:
        return (chosen is not None and str(t.id) == chosen.id, template_precedence(data[str(t.id)], spec, cell),
                t.is_default)

    return sorted(candidates, key=rank, reverse=True)


def _cell_template(spec: EventSpec, channel: str) -> str | None:
    """The matrix cell's chosen template for this context (dispatch's tie-breaker), if any."""
    type_ids = [t for t in (spec.subtype_id, spec.service_type_id) if t]
    matrix = snapshot.get_snapshot().matrix_for(type_ids, spec.target, spec.workshop_id) or {}
    for cell in matrix.get(spec.phase_id or "", []):
        if cell.channel == channel:
            return cell.template_id
    return None
