"""{{Variable}} substitution. Template bodies are data: only known placeholders are replaced,
nothing in them is ever evaluated. Values are HTML-escaped in the HTML part of an email."""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Iterable, Mapping

PLACEHOLDER = re.compile(r"\{\{\s*([^{}]+?)\s*\}\}")


class MissingVariables(Exception):
    """The template uses variables the context does not provide."""

    def __init__(self, names: Iterable[str]):
        self.names = sorted(set(names))
        super().__init__("missing variables: " + ", ".join(self.names))


@lru_cache(maxsize=4096)
def normalise_name(name: str) -> str:
    """Case-, accent- and separator-insensitive key: 'Vehículo', 'vehiculo', 'VEHICULO' match."""
    decomposed = unicodedata.normalize("NFKD", name)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return re.sub(r"[^0-9a-z]", "", plain.casefold())


def extract_variables(*texts: str) -> list[str]:
    """Placeholder names in order of first use, without duplicates (by normalised name)."""
    seen: dict[str, str] = {}
    for text in texts:
        for match in PLACEHOLDER.finditer(text or ""):
            seen.setdefault(normalise_name(match.group(1)), match.group(1))
    return list(seen.values())


def build_lookup(context: Mapping[str, Any]) -> dict[str, str]:
    """Normalised name -> display string. None becomes ''; other values use str()."""
    lookup: dict[str, str] = {}
    for key, value in context.items():
        if isinstance(value, (dict, list)):
            continue
        lookup[normalise_name(str(key))] = "" if value is None else str(value)
    return lookup


def missing_variables(lookup: Mapping[str, str], *texts: str) -> list[str]:
    return [name for name in extract_variables(*texts) if normalise_name(name) not in lookup]


def substitute(text: str, lookup: Mapping[str, str], escape: bool = False) -> str:
    """Replace placeholders; with `escape`, both the literal text and the values are HTML-escaped."""
    missing = missing_variables(lookup, text)
    if missing:
        raise MissingVariables(missing)
    out: list[str] = []
    position = 0
    for match in PLACEHOLDER.finditer(text):
        literal = text[position:match.start()]
        value = lookup[normalise_name(match.group(1))]
        out.append(html.escape(literal) if escape else literal)
        out.append(html.escape(value) if escape else value)
        position = match.end()
    tail = text[position:]
    out.append(html.escape(tail) if escape else tail)
    return "".join(out)


def substitute_into_html(html_text: str, lookup: Mapping[str, str]) -> str:
    """Staff-written HTML keeps its markup; only the inserted values are escaped."""
    missing = missing_variables(lookup, html_text)
    if missing:
        raise MissingVariables(missing)
    return PLACEHOLDER.sub(lambda m: html.escape(lookup[normalise_name(m.group(1))]), html_text)


def text_to_html(escaped_text: str) -> str:
    """Paragraphs on blank lines, line breaks elsewhere. The input must already be escaped."""
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", escaped_text.strip()) if p.strip()]
    return "".join("<p>" + p.replace("\n", "<br>\n") + "</p>\n" for p in paragraphs)


@dataclass(frozen=True)
class RenderedMessage:
    subject: str
    body: str
    html_body: str = ""


def render_message(
    subject: str, body: str, context: Mapping[str, Any], *, html_template: str = "", with_html: bool = False
) -> RenderedMessage:
    """Render subject and body (and the HTML part for email). Raises MissingVariables listing all."""
    lookup = build_lookup(context)
    missing = missing_variables(lookup, subject, body, html_template if with_html else "")
    if missing:
        raise MissingVariables(missing)
    rendered_html = ""
    if with_html:
        rendered_html = (
            substitute_into_html(html_template, lookup) if html_template else text_to_html(substitute(body, lookup, escape=True))
        )
    return RenderedMessage(substitute(subject, lookup), substitute(body, lookup), rendered_html)
