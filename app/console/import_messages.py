"""The CSV import's messages in the console's language. app/data_io reports in English (the CLI and
the API keep that text); the console reads each known message as a pattern and says it in Spanish
(English through the catalog). An unknown message is shown as it is."""

from __future__ import annotations

import re
from collections.abc import Callable

from app.console.i18n import gettext as _
from app.data_io import SPANISH_HEADERS

_PATTERNS: list[tuple[re.Pattern, Callable[[re.Match], str]]] = [
    (re.compile(r"^Enter a valid email address\.?$"), lambda m: _("Escriba un correo electrónico válido.")),
    (re.compile(r"^value is not a valid email address.*$"), lambda m: _("Escriba un correo electrónico válido.")),
    (re.compile(r"^Enter a date as YYYY-MM-DD\.$"), lambda m: _("Escriba la fecha como AAAA-MM-DD.")),
    (re.compile(r"^'(.*)' is not a whole number\.$"), lambda m: _("«%(v)s» no es un número entero.", v=m[1])),
    (re.compile(r"^'(.*)' is not a valid date\.$"), lambda m: _("«%(v)s» no es una fecha válida.", v=m[1])),
    (re.compile(r"^'(.*)' is not a date \(use YYYY-MM-DD or DD/MM/YYYY\)\.$"),
     lambda m: _("«%(v)s» no es una fecha (use AAAA-MM-DD o DD/MM/AAAA).", v=m[1])),
    (re.compile(r"^Required column is missing\.$"), lambda m: _("Falta esta columna obligatoria.")),
    (re.compile(r"^A value is required\.$"), lambda m: _("Este dato es obligatorio.")),
    (re.compile(r"^The line has more cells than the header has columns\.$"),
     lambda m: _("La línea tiene más celdas que columnas el encabezado.")),
    (re.compile(r"^Give a due_date, a due_kilometers or both\.$"),
     lambda m: _("Indique la fecha de vencimiento, los kilómetros o ambos.")),
    (re.compile(r"^Customer '(.*)' is not synced\.$"), lambda m: _("El cliente «%(v)s» no existe.", v=m[1])),
    (re.compile(r"^Vehicle (.*) is not synced\.$"), lambda m: _("El vehículo %(v)s no existe.", v=m[1])),
    (re.compile(r"^No service type '(.*)'\.$"), lambda m: _("No existe el tipo de servicio «%(v)s».", v=m[1])),
    (re.compile(r"^Use one of: (.*)\.$"), lambda m: _("Use uno de estos valores: %(v)s.", v=m[1])),
    (re.compile(r"^Another writer changed the same rows; run the import again\.$"),
     lambda m: _("Otra operación cambió las mismas filas; importe otra vez.")),
    (re.compile(r"^Column '(.*)' is not part of the (\w+) format and is ignored\.$"),
     lambda m: _("La columna «%(v)s» no es parte del formato y se ignora.", v=m[1])),
    (re.compile(r"^The file is not UTF-8 \(byte (\d+)\); save it as 'CSV UTF-8'\.$"),
     lambda m: _("El archivo no está en UTF-8 (byte %(v)s); guárdelo como «CSV UTF-8».", v=m[1])),
    (re.compile(r"^The file is empty\.$"), lambda m: _("El archivo está vacío.")),
    (re.compile(r"^The first line must name the columns\.$"), lambda m: _("La primera línea debe nombrar las columnas.")),
    (re.compile(r"^A column in the first line has no name\.$"), lambda m: _("Una columna de la primera línea no tiene nombre.")),
    (re.compile(r"^Column '(.*)' appears twice in the first line\.$"),
     lambda m: _("La columna «%(v)s» aparece dos veces en la primera línea.", v=m[1])),
    (re.compile(r"^String should have at most (\d+) characters?$"), lambda m: _("Como máximo %(v)s caracteres.", v=m[1])),
    (re.compile(r"^Field required$"), lambda m: _("Este dato es obligatorio.")),
]


def message(text: str) -> str:
    for pattern, say in _PATTERNS:
        found = pattern.match(str(text))
        if found:
            return say(found)
    return str(text)


def column(name: str) -> str:
    """A column as the console's files name it."""
    return SPANISH_HEADERS.get(name, name) if name else ""
