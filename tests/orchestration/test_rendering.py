import pytest

from app.orchestration.rendering import (
    MissingVariables,
    compile_template,
    extract_variables,
    missing_variables,
    normalise_name,
    render_message,
    substitute,
    substitute_into_html,
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


# The compiled form: each template text is parsed once and rendered from its segments.


def test_placeholders_at_the_start_and_end_of_the_text_are_filled():
    assert substitute("{{Nombre}}, su {{Placa}}", {"nombre": "Ana", "placa": "ABC123"}) == "Ana, su ABC123"


def test_a_text_that_is_only_a_placeholder_is_filled():
    assert substitute("{{ Nombre }}", {"nombre": "Ana"}) == "Ana"


def test_adjacent_placeholders_are_each_filled():
    assert substitute("{{Marca}}{{Modelo}}{{Marca}}", {"marca": "Haval", "modelo": "H6"}) == "HavalH6Haval"


def test_braces_that_are_not_placeholders_stay_literal():
    text = "{Nombre} {{}} {{{Nombre}}} }}{{ {{ Placa"
    assert substitute(text, {"nombre": "Ana"}) == "{Nombre} {{}} {Ana} }}{{ {{ Placa"


def test_text_without_placeholders_is_returned_unchanged():
    assert substitute("Sin variables { }", {}) == "Sin variables { }"
    assert substitute("", {}) == ""


def test_the_same_text_renders_with_each_context_its_own_values():
    text = "Hola {{Nombre}}"
    assert render_message("", text, {"Nombre": "Ana"}).body == "Hola Ana"
    assert render_message("", text, {"nombre": "Luis"}).body == "Hola Luis"
    with pytest.raises(MissingVariables):
        render_message("", text, {"Placa": "ABC123"})


def test_the_same_text_is_escaped_only_when_asked():
    text = "a < b: {{Valor}}"
    assert substitute(text, {"valor": "<i>"}, escape=True) == "a &lt; b: &lt;i&gt;"
    assert substitute(text, {"valor": "<i>"}) == "a < b: <i>"


def test_missing_variable_used_only_in_the_html_template_is_reported():
    with pytest.raises(MissingVariables) as err:
        render_message("Hola", "Hola {{Nombre}}", {"Nombre": "Ana"},
                       html_template="<b>{{Nombre}}</b> <a href='{{Enlace}}'>ver</a>", with_html=True)
    assert err.value.names == ["Enlace"]


def test_html_template_is_not_checked_without_the_html_part():
    out = render_message("Hola", "Hola {{Nombre}}", {"Nombre": "Ana"}, html_template="{{Enlace}}")
    assert out.body == "Hola Ana" and out.html_body == ""


def test_substitute_into_html_reports_every_missing_name_sorted():
    with pytest.raises(MissingVariables) as err:
        substitute_into_html("<p>{{Taller}} {{Fase}} {{taller}}</p>", {})
    assert err.value.names == ["Fase", "Taller"]


def test_missing_variables_keep_the_first_spelling_in_order_of_use():
    assert missing_variables({"placa": "X"}, "{{Vehículo}} {{Placa}}", "{{vehiculo}} {{Hora}}") == ["Vehículo", "Hora"]


def test_a_template_text_is_parsed_once_however_often_it_is_rendered():
    subject, body = "Hola {{Nombre}}", "Hola {{Nombre}}, su {{Placa}}"
    render_message(subject, body, {"Nombre": "Ana", "Placa": "X"}, with_html=True)
    parsed = compile_template.cache_info().misses
    for name in ("Luis", "Marta"):
        out = render_message(subject, body, {"Nombre": name, "Placa": "X"}, with_html=True)
        assert out.body == f"Hola {name}, su X"
    assert compile_template.cache_info().misses == parsed


def test_a_default_fills_an_absent_variable():
    out = render_message("", "Nuestro técnico {{Técnico|asignado}} comenzó.", {})
    assert out.body == "Nuestro técnico asignado comenzó."


def test_a_given_value_wins_over_the_default():
    out = render_message("", "Técnico: {{Técnico|por confirmar}}", {"tecnico": "Luis Pérez"})
    assert out.body == "Técnico: Luis Pérez"


def test_an_empty_value_takes_the_default():
    assert substitute("Orden {{Orden|por asignar}}", {"orden": ""}) == "Orden por asignar"


def test_a_variable_with_a_default_is_never_missing():
    assert missing_variables({}, "{{Orden|por asignar}} {{Nombre}}") == ["Nombre"]


def test_a_variable_used_once_without_default_is_required():
    with pytest.raises(MissingVariables) as err:
        render_message("{{Orden}}", "{{Orden|por asignar}}", {})
    assert err.value.names == ["Orden"]


def test_extract_variables_names_defaulted_variables_without_their_default():
    assert extract_variables("{{ Técnico | nuestro equipo }} y {{Placa}}") == ["Técnico", "Placa"]


def test_a_default_is_html_escaped_in_email_html():
    out = render_message("", "{{Nombre|<b>cliente</b>}}", {}, with_html=True)
    assert "&lt;b&gt;cliente&lt;/b&gt;" in out.html_body
