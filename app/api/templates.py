"""Notification templates: CRUD with the reference's filters, preview, variables, lookup by context."""

from __future__ import annotations

from flask import jsonify

from app import catalog
from app.api.auth import require_api_key
from app.api.blueprints import api_v1
from app.api.common import get_or_404, iso, paginate, parse_body, parse_patch, parse_query, str_or_none
from app.api.openapi import doc
from app.api.schemas.common import Page
from app.api.schemas.templates import (
    ForContextQuery,
    PreviewIn,
    PreviewOut,
    TemplateFilters,
    TemplateIn,
    TemplateList,
    TemplateOut,
    TemplateVersionList,
    TemplateVersionOut,
    VariableList,
)
from app.channels import CHANNEL_LABELS
from app.errors import ApiError
from app.models import NotificationTemplate, TemplateVersion
from app.models.enums import TARGET_LABELS
from app.orchestration.rendering import MissingVariables, extract_variables, normalise_name
from app.orchestration.variables import VARIABLES

TAGS = ("Templates",)
BASE = "/notifications/templates/"


def template_json(t: NotificationTemplate) -> dict:
    """The reference's template object (`*_id`, `is_default`, `preview`) with Avisos' fields beside it."""
    service_type, phase, subtype = str_or_none(t.service_type_id), str_or_none(t.phase_id), str_or_none(t.subtype_id)
    return {
        "id": str(t.id), "name": t.name, "channel": t.channel,
        "channel_display": CHANNEL_LABELS.get(t.channel, t.channel), "target": t.target,
        "target_display": TARGET_LABELS.get(t.target, t.target), "event_type": t.event_type,
        "service_type_id": service_type, "service_type": service_type,
        "service_type_name": t.service_type.name if t.service_type else None,
        "subtype_id": subtype, "subtype": subtype, "subtype_name": t.subtype.name if t.subtype else None,
        "phase_id": phase, "phase": phase, "phase_name": t.phase.name if t.phase else None,
        "taller_id": str_or_none(t.workshop_id), "subject": t.subject or "", "body": t.body,
        "html_body": t.html_body or "", "variables": extract_variables(t.subject or "", t.body, t.html_body or ""),
        "preview": catalog.sample_preview(t.body), "is_default": t.is_default, "is_active": t.is_active,
        "created_at": iso(t.created_at), "updated_at": iso(t.updated_at),
    }


def _save(template: NotificationTemplate | None, body: TemplateIn | None = None) -> NotificationTemplate:
    body = body or parse_body(TemplateIn, what="The template")
    try:
        return catalog.save_template(template, body.model_dump())
    except catalog.TemplateInvalid as err:
        raise ApiError(400, "validation_error", "The template is not valid.", err.fields) from None


@api_v1.get(BASE)
@require_api_key("read", compat=True)
@doc(TAGS, model=Page[TemplateOut], query=TemplateFilters, errors=(400, 404))
def list_templates():
    """List templates (filters: channel, target, service_type_id, phase_id, taller_id, is_active)."""
    filters = parse_query(TemplateFilters)
    query = catalog.list_templates_query(filters.model_dump())
    return jsonify(paginate(query, template_json, filters.page, filters.page_size))


@api_v1.post(BASE)
@require_api_key("manage")
@doc(TAGS, ok=201, model=TemplateOut, json=TemplateIn, errors=(400,))
def create_template():
    """Create a template."""
    return jsonify(template_json(_save(None))), 201


@api_v1.get(BASE + "<template_id>/")
@require_api_key("read", compat=True)
@doc(TAGS, model=TemplateOut, errors=(404,))
def get_template(template_id: str):
    """Retrieve a template."""
    return jsonify(template_json(get_or_404(NotificationTemplate, template_id, "template")))


@api_v1.put(BASE + "<template_id>/")
@require_api_key("manage")
@doc(TAGS, model=TemplateOut, json=TemplateIn, errors=(400, 404))
def replace_template(template_id: str):
    """Replace a template (every required field sent)."""
    template = get_or_404(NotificationTemplate, template_id, "template")
    return jsonify(template_json(_save(template)))


@api_v1.patch(BASE + "<template_id>/")
@require_api_key("manage")
@doc(TAGS, model=TemplateOut, json=TemplateIn, errors=(400, 404))
def update_template(template_id: str):
    """Update some fields of a template."""
    template = get_or_404(NotificationTemplate, template_id, "template")
    body = parse_patch(TemplateIn, catalog.template_values(template), what="The template")
    return jsonify(template_json(_save(template, body)))


@api_v1.delete(BASE + "<template_id>/")
@require_api_key("manage")
@doc(TAGS, ok=204, errors=(404,))
def delete_template(template_id: str):
    """Delete a template."""
    catalog.delete_template(get_or_404(NotificationTemplate, template_id, "template"))
    return "", 204


@api_v1.get(BASE + "<template_id>/versions/")
@require_api_key("read")
@doc(TAGS, model=TemplateVersionList, errors=(404,))
def list_template_versions(template_id: str):
    """The template's kept versions, newest first (the first is the current text)."""
    template = get_or_404(NotificationTemplate, template_id, "template")
    return jsonify([catalog.version_json(v) for v in catalog.template_history(template.id)])


@api_v1.post(BASE + "<template_id>/versions/<version_id>/restore/")
@require_api_key("manage")
@doc(TAGS, model=TemplateVersionOut, errors=(404,))
def restore_template_version(template_id: str, version_id: str):
    """Put a kept version's text back; the restore is itself a new version (returned)."""
    template = get_or_404(NotificationTemplate, template_id, "template")
    version = get_or_404(TemplateVersion, version_id, "template version")
    if version.template_id != template.id:
        raise ApiError(404, "not_found", "That version belongs to another template.",
                       {"version_id": ["Not a version of this template."]})
    return jsonify(catalog.version_json(catalog.restore_version(template, version)))


@api_v1.post(BASE + "preview/")
@require_api_key("read")
@doc(TAGS, model=PreviewOut, json=PreviewIn, errors=(400, 404))
def preview_template():
    """Render a template with a context; 400 lists the variables the context lacks."""
    body = parse_body(PreviewIn, what="The preview request")
    subject, text, html_body = body.subject, body.body, body.html_body
    channel = body.channel
    if body.template_id is not None:
        stored = get_or_404(NotificationTemplate, body.template_id, "template")
        subject, text, html_body, channel = stored.subject or "", stored.body, stored.html_body or "", stored.channel
    elif not text:
        raise ApiError(400, "validation_error", "Send template_id or body.",
                       {"body": ["Required when template_id is not given."]})
    try:
        result = catalog.render_preview(subject, text, html_body, channel, body.context, body.use_sample_context)
    except MissingVariables as err:
        raise ApiError(400, "missing_variables", "Missing variables: " + ", ".join(err.names),
                       {"context": [f"Missing variable: {name}" for name in err.names],
                        "missing_variables": err.names}) from None
    message = result.message
    return jsonify({"preview": message.body, "subject": message.subject, "body": message.body,
                    "html_body": message.html_body, "variables": result.variables})


@api_v1.get(BASE + "variables/")
@require_api_key("read")
@doc(TAGS, model=VariableList)
def template_variables():
    """List the variables templates can use."""
    return jsonify([{"id": normalise_name(v.name), "label": "{{" + v.name + "}}", "name": v.name,
                     "placeholder": "{{" + v.name + "}}", "description": v.description, "example": v.example,
                     "filled_by_avisos": v.filled_by_avisos} for v in VARIABLES])


@api_v1.get(BASE + "for_context/")
@require_api_key("read")
@doc(TAGS, model=TemplateList, query=ForContextQuery, errors=(400,))
def template_for_context():
    """Active templates for service type + phase + channel + target (+ subtype, workshop), the one
    dispatch would use first; [] when none matches."""
    q = parse_query(ForContextQuery)
    found = catalog.templates_for_context(q.service_type, q.phase, q.channel, q.target, q.subtype, q.taller_id)
    return jsonify([template_json(t) for t in found])
