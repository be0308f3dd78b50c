"""Template tools: preview with sample values, warnings, duplicate, send a test."""

from __future__ import annotations

import pytest

from app.catalog import template_tools
from tests import factories


def test_preview_substitutes_sample_values(app):
    result = template_tools.preview("email", "Aviso de {{Taller}}", "Hola {{nombre}}")
    assert (result.subject, result.body_html) == ("Aviso de Ambacar Service", "<p>Hola Carlos Mendoza</p>\n")


def test_preview_escapes_the_body(app):
    assert "&lt;b&gt;" in template_tools.preview("whatsapp", "", "<b>{{Nombre}}</b>").body_html


def test_preview_keeps_staff_html_but_escapes_values(app):
    result = template_tools.preview("email", "s", "b", html_body="<h1>{{Nombre}}</h1>")
    assert result.email_html == "<h1>Carlos Mendoza</h1>"


def test_unknown_variables_are_listed_and_left_visible(app):
    result = template_tools.preview("push", "{{Color}}", "{{Nombre}} {{Talla}}")
    assert result.unknown_variables == ["Color", "Talla"]
    assert result.subject == "{{Color}}"
    assert result.warnings[0]["code"] == "unknown_variables"


def test_whatsapp_over_4096_characters_is_flagged(app):
    codes = [w["code"] for w in template_tools.preview("whatsapp", "", "x" * 4097).warnings]
    assert codes == ["whatsapp_too_long"]


def test_whatsapp_at_the_limit_is_fine(app):
    assert template_tools.preview("whatsapp", "", "x" * 4096).warnings == []


def test_push_payload_over_the_limit_is_flagged(app):
    result = template_tools.preview("push", "Título", "ñ" * 2100)
    assert result.payload_bytes > 3993
    assert "push_payload_too_large" in [w["code"] for w in result.warnings]


def test_short_push_has_no_warnings_and_reports_its_size(app):
    result = template_tools.preview("push", "{{Placa}}", "{{Fase}}")
    assert result.warnings == [] and 0 < result.payload_bytes < 3993


def test_long_push_title_is_flagged(app):
    assert "push_title_long" in [w["code"] for w in template_tools.preview("push", "t" * 80, "b").warnings]


@pytest.fixture
def setup(app):
    return factories.basic_setup()


def test_duplicate_copies_everything_but_is_inactive(setup):
    source = setup.templates["mantenimiento-preventivo:phase-repair:email"]
    copy = template_tools.duplicate_template(source.id)
    assert copy.id != source.id and copy.name == source.name + " (copia)" and copy.is_active is False
    assert (copy.channel, copy.phase_id, copy.service_type_id, copy.body) == (
        source.channel,
        source.phase_id,
        source.service_type_id,
        source.body,
    )


def test_duplicate_of_unknown_template_raises(app):
    import uuid

    with pytest.raises(LookupError):
        template_tools.duplicate_template(uuid.uuid4())
