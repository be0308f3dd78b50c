"""{{Variable}} substitution. Template bodies are data: only known placeholders are replaced,
nothing in them is ever evaluated. Values are HTML-escaped in the HTML part of an email.

`{{Variable|text}}` gives a default: the text is used when the context lacks the variable (or gives
it empty), so a template can name optional data (an order number, the technician) without making
every event that lacks it fail."""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

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


@dataclass(frozen=True)
class CompiledTemplate:
    """One template text parsed once: literal segments around its placeholders.

    `literals` has one more item than `keys`: literals[0], value of keys[0], literals[1], ...
    `variables` holds (name as written, normalised key) in order of first use, one per key.
    """

    literals: tuple[str, ...]
    escaped_literals: tuple[str, ...]
    keys: tuple[str, ...]
    variables: tuple[tuple[str, str], ...]
    defaults: tuple[str | None, ...] = ()  # per placeholder (parallel to keys): its default, if any
    optional: frozenset[str] = frozenset()  # keys every placeholder of which has a default

    def missing(self, lookup: Mapping[str, str]) -> list[str]:
        return [name for name, key in self.variables if key not in lookup and key not in self.optional]

    def render(self, lookup: Mapping[str, str], escape_literals: bool = False, escape_values: bool = False) -> str:
        """Join literals and values; every key must be in `lookup` (check `missing` first)."""
        literals = self.escaped_literals if escape_literals else self.literals
        if not self.keys:
            return literals[0]
        out = [literals[0]]
        for key, default, literal in zip(self.keys, self.defaults, literals[1:]):
            value = lookup.get(key, "") if default is not None else lookup[key]
            if not value and default is not None:
                value = default
            out.append(html.escape(value) if escape_values else value)
            out.append(literal)
        return "".join(out)


@lru_cache(maxsize=2048)  # texts come from the database: bounded, but larger than any real set of templates
def compile_template(text: str) -> CompiledTemplate:
    """Parse `text` once (cached per distinct text); nothing in it is evaluated."""
    literals: list[str] = []
    keys: list[str] = []
    defaults: list[str | None] = []
    variables: dict[str, str] = {}
    required: set[str] = set()
    position = 0
    for match in PLACEHOLDER.finditer(text):
        name, bar, default = match.group(1).partition("|")
        name = name.strip()
        key = normalise_name(name)
        literals.append(text[position:match.start()])
        keys.append(key)
        defaults.append(default.strip() if bar else None)
        if not bar:
            required.add(key)
        variables.setdefault(key, name)
        position = match.end()
    literals.append(text[position:])
    return CompiledTemplate(
        literals=tuple(literals),
        escaped_literals=tuple(html.escape(literal) for literal in literals),
        keys=tuple(keys),
        variables=tuple((name, key) for key, name in variables.items()),
        defaults=tuple(defaults),
        optional=frozenset(variables) - required,
    )


def _variables(texts: Iterable[str], required_only: bool = False) -> dict[str, str]:
    """Normalised key -> name as first written, in order of first use across `texts`
    (`required_only`: without the variables that have a default wherever they are used)."""
    seen: dict[str, str] = {}
    required: set[str] = set()
    for text in texts:
        compiled = compile_template(text or "")
        for name, key in compiled.variables:
            seen.setdefault(key, name)
            if key not in compiled.optional:
                required.add(key)
    if required_only:
        return {key: name for key, name in seen.items() if key in required}
    return seen


def extract_variables(*texts: str) -> list[str]:
    """Placeholder names in order of first use, without duplicates (by normalised name)."""
    return list(_variables(texts).values())


def build_lookup(context: Mapping[str, Any]) -> dict[str, str]:
    """Normalised name -> display string. None becomes ''; other values use str()."""
    lookup: dict[str, str] = {}
    for key, value in context.items():
        if isinstance(value, (dict, list)):
            continue
        lookup[normalise_name(str(key))] = "" if value is None else str(value)
    return lookup


def missing_variables(lookup: Mapping[str, str], *texts: str) -> list[str]:
    """Names the texts need (as first written, in order of first use) that `lookup` lacks;
    variables with a default are never missing."""
    return [name for key, name in _variables(texts, required_only=True).items() if key not in lookup]


def _checked(text: str, lookup: Mapping[str, str]) -> CompiledTemplate:
    compiled = compile_template(text)
    missing = compiled.missing(lookup)
    if missing:
        raise MissingVariables(missing)
    return compiled


def substitute(text: str, lookup: Mapping[str, str], escape: bool = False) -> str:
    """Replace placeholders; with `escape`, both the literal text and the values are HTML-escaped."""
    return _checked(text, lookup).render(lookup, escape_literals=escape, escape_values=escape)


def substitute_into_html(html_text: str, lookup: Mapping[str, str]) -> str:
    """Staff-written HTML keeps its markup; only the inserted values are escaped."""
    return _checked(html_text, lookup).render(lookup, escape_values=True)


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
    subject: str, body: str, context: Mapping[str, Any], *, html_template: str = "", with_html: bool = False,
    lookup: Mapping[str, str] | None = None,
) -> RenderedMessage:
    """Render subject and body (and the HTML part for email). Raises MissingVariables listing all.
    `lookup`: build_lookup(context), when the caller renders several templates with one context."""
    if lookup is None:
        lookup = build_lookup(context)
    missing = missing_variables(lookup, subject, body, html_template if with_html else "")
    if missing:
        raise MissingVariables(missing)
    compiled_body = compile_template(body)
    rendered_html = ""
    if with_html:
        rendered_html = (
            compile_template(html_template).render(lookup, escape_values=True) if html_template
            else text_to_html(compiled_body.render(lookup, escape_literals=True, escape_values=True))
        )
    return RenderedMessage(compile_template(subject).render(lookup), compiled_body.render(lookup), rendered_html)
