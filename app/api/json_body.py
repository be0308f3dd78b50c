"""Request bodies parsed as strict JSON: no NaN or Infinity (PostgreSQL's JSON refuses them, and they
are not JSON), no number too large for a float, and at most MAX_DEPTH levels of objects and arrays
(deeper bodies made the parser or a later step recurse until it failed). Each problem is a 400
naming it, never a 500.

The app's JSON provider uses the same parser, so every `request.get_json()` is strict too.
"""

from __future__ import annotations

import json
import math
from typing import Any

from flask import request
from flask.json.provider import DefaultJSONProvider

from app.errors import ApiError

MAX_DEPTH = 32
TOO_DEEP = f"Objects and arrays nest more than {MAX_DEPTH} levels deep."
_CACHE_KEY = "avisos.json_body"  # per request, in its WSGI environ


class JsonBodyError(ValueError):
    """The body is not JSON Avisos accepts; the message says why."""


def _constant(name: str) -> Any:
    raise JsonBodyError(f"{name} is not a JSON number.")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise JsonBodyError(f"The number {text[:40]} is too large.")
    return value


_DECODER = json.JSONDecoder(parse_constant=_constant, parse_float=_finite)


def loads_strict(data: str | bytes) -> Any:
    """Parse `data` as JSON, raising JsonBodyError (a ValueError) for what Avisos does not accept."""
    try:
        if isinstance(data, (bytes, bytearray)):
            data = data.decode(json.detect_encoding(data), "surrogatepass")
        value = _DECODER.decode(data)
    except JsonBodyError:
        raise
    except RecursionError:
        raise JsonBodyError(TOO_DEEP) from None
    except ValueError as err:
        raise JsonBodyError(str(err)) from None
    # Each level needs an opening bracket: a body with fewer than MAX_DEPTH needs no walk.
    if data.count("[") + data.count("{") > MAX_DEPTH:
        _check_depth(value)
    return value


def _check_depth(value: Any) -> None:
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is None:
            continue
        if depth > MAX_DEPTH:
            raise JsonBodyError(TOO_DEEP)
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))


class StrictJSONProvider(DefaultJSONProvider):
    """Flask's JSON provider with the strict parser above (responses are written as before)."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        return loads_strict(s)


def parsed_body() -> tuple[Any, str | None]:
    """(value, None), or (None, the problem) when the body is not acceptable JSON. Parsed once."""
    cached = request.environ.get(_CACHE_KEY)
    if cached is None:
        try:
            cached = (loads_strict(request.get_data(cache=True)), None)
        except JsonBodyError as err:
            cached = (None, str(err) or "Malformed JSON.")
        request.environ[_CACHE_KEY] = cached
    return cached


def body_json() -> Any:
    """The body as JSON, or a 400 naming what is wrong with it."""
    value, problem = parsed_body()
    if problem is not None:
        raise ApiError(400, "malformed_json", f"The body is not valid JSON: {problem}", {"body": [problem]})
    return value
