"""Refuse text PostgreSQL cannot store, before any view runs (the JSON API and every page).

JSON lets a client send "\\u0000" and unpaired surrogates ("\\ud800"); PostgreSQL refuses both in
text columns (and SQLite stores what PostgreSQL would refuse), so they would surface as a 500
deep inside a view, possibly after other rows were written. They are answered here with a 400
naming the field: in the JSON body (keys and values, at any depth), the query string and the URL.
"""

from __future__ import annotations

import re
from typing import Any

from flask import abort, request

from app.api.json_body import parsed_body
from app.errors import ApiError

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
# What a raw JSON body must contain to carry such text: the escapes \u0000 or \uD800-\uDFFF, a NUL
# byte (or UTF-16/32, full of them), or a surrogate encoded as UTF-8 (json.loads lets those
# through). A body without any of these needs no walk; one with an emoji escape just gets walked.
_MAYBE_UNSTORABLE_BYTES = re.compile(rb"\\u(?:0000|[dD][89a-fA-F])|\x00|\xed[\xa0-\xbf]")
_FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")
MESSAGE = "Text must not contain NUL characters or unpaired surrogates."


def reject_unstorable_text() -> None:
    """before_request hook of the API blueprints."""
    fields: dict[str, list[str]] = {}
    for name, value in (request.view_args or {}).items():
        if isinstance(value, str) and _UNSTORABLE.search(value):
            fields[name] = [MESSAGE]
    for name, value in request.args.items(multi=True):
        if _UNSTORABLE.search(name) or _UNSTORABLE.search(value):
            fields[_printable(name)] = [MESSAGE]
    if (request.method in ("POST", "PUT", "PATCH") and request.mimetype not in _FORM_TYPES
            and _MAYBE_UNSTORABLE_BYTES.search(request.get_data(cache=True))):
        # Parsed once and cached: the view's own body_json() gets the same object.
        _collect(parsed_body()[0], "", fields)
    if fields:
        raise ApiError(400, "invalid_text", MESSAGE, fields)


def reject_unstorable_page_input() -> None:
    """before_request hook of every page outside the JSON API (the console's forms, filters and
    searches): a query, form or URL value with such text is a 400, never a 500."""
    if request.path.startswith("/api/"):
        return  # the API's own hook answers in its JSON shape
    values = [*(request.view_args or {}).values(), *(text for pair in request.args.items(multi=True) for text in pair)]
    if request.method in ("POST", "PUT", "PATCH") and request.mimetype in _FORM_TYPES:
        values += [text for pair in request.form.items(multi=True) for text in pair]
    if any(isinstance(value, str) and _UNSTORABLE.search(value) for value in values):
        abort(400, description="El texto enviado contiene caracteres no permitidos (NUL o sustitutos sueltos).")


def _collect(value: Any, path: str, fields: dict[str, list[str]]) -> None:
    if isinstance(value, str):
        if _UNSTORABLE.search(value):
            fields[path or "body"] = [MESSAGE]
    elif isinstance(value, dict):
        for key, item in value.items():
            child = f"{path}.{_printable(key)}" if path else _printable(key)
            if _UNSTORABLE.search(key):
                fields[child] = [MESSAGE]
            _collect(item, child, fields)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _collect(item, f"{path}[{index}]", fields)


def _printable(name: str) -> str:
    """A field name safe to echo back in a JSON error (the offending characters escaped)."""
    return _UNSTORABLE.sub(lambda m: f"\\u{ord(m.group()):04x}", name)
