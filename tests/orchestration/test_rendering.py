import pytest

from app.orchestration.rendering import (
    MissingVariables, extract_variables, normalise_name, render_message, substitute,
)


def test_lowercase_unaccented_context_fills_accented_placeholder():
    out = render_message("", "Su {{Vehículo}} de {{Nombre}}", {"vehiculo": "Haval H6", "nombre": "Ana"})
    assert out.body == "Su Haval H6 de Ana"


def test_placeholder_spacing_and_case_do_not_matter():
    assert substitute("{{ placa }} / {{PLACA}}", {"placa": "ABC123"}) == "ABC123 / ABC123"


def test_missing_variables_are_all_listed():
    with pytest.raises(MissingVariables) as err:
        render_message("{{Fecha}}", "{{Nombre}} {{Hora}} {{Nombre}}", {})
    assert err.value.names == ["Fecha", "Hora", "Nombre"]


def test_template_text_is_never_evaluated():
    body = "{{ 7*7 }} {% for x in y %}{{ config }}{% endfor %}"
    with pytest.raises(MissingVariables) as err:
        render_message("", body, {})
    assert "7*7" in err.value.names and "config" in err.value.names


def test_template_text_with_jinja_syntax_is_kept_literally():
    out = render_message("", "{% if x %}hola{% endif %} {{Nombre}}", {"Nombre": "Ana"})
    assert out.body == "{% if x %}hola{% endif %} Ana"


def test_values_are_html_escaped_in_email_html_only():
    out = render_message("Hola {{Nombre}}", "Hola {{Nombre}}", {"Nombre": "<script>x</script> & Co"}, with_html=True)
    assert out.body == "Hola <script>x</script> & Co"
    assert "&lt;script&gt;x&lt;/script&gt; &amp; Co" in out.html_body
    assert "<script>" not in out.html_body


def test_plain_text_body_becomes_paragraphs_in_html():
    out = render_message("", "Hola {{Nombre}}\n\nLínea uno\nLínea dos", {"Nombre": "Ana"}, with_html=True)
    assert out.html_body == "<p>Hola Ana</p>\n<p>Línea uno<br>\nLínea dos</p>\n"


def test_literal_markup_in_a_text_template_is_escaped_in_html():
    out = render_message("", "<b>{{Nombre}}</b>", {"Nombre": "Ana"}, with_html=True)
    assert out.html_body == "<p>&lt;b&gt;Ana&lt;/b&gt;</p>\n"


def test_staff_html_template_keeps_markup_and_escapes_values():
    out = render_message("", "texto", {"Nombre": "<i>A</i>"}, html_template="<b>{{Nombre}}</b>", with_html=True)
    assert out.html_body == "<b>&lt;i&gt;A&lt;/i&gt;</b>"


def test_extract_variables_deduplicates_by_normalised_name():
    assert extract_variables("{{Vehículo}} {{vehiculo}}", "{{Placa}}") == ["Vehículo", "Placa"]


def test_normalise_name_ignores_case_accents_and_separators():
    assert normalise_name("Técnico") == normalise_name("tecnico") == normalise_name("TÉC_NICO")


def test_none_value_renders_empty():
    assert substitute("[{{Orden}}]", {"orden": ""}) == "[]"
