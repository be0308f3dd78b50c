"""Console language: Spanish by default, English on request. UI strings are written in Spanish
and wrapped in `_()` / `lazy_gettext()`; translations/en/ holds their English versions."""

from __future__ import annotations

import types

from babel import support
from flask import Flask, request, session
from flask_admin import babel as admin_babel
from flask_babel import Babel, get_locale, gettext, lazy_gettext, ngettext

from app.config import ROOT

LANGUAGES = ("es", "en")
DEFAULT_LANGUAGE = "es"
babel = Babel()
_ = gettext

__all__ = ["LANGUAGES", "_", "gettext", "init_i18n", "lazy_gettext", "ngettext", "select_locale"]


def select_locale() -> str:
    """?lang= (remembered in the session) wins, then the session, then Spanish."""
    wanted = request.args.get("lang") if request else None
    if wanted in LANGUAGES:
        session["lang"] = wanted
        return wanted
    stored = session.get("lang") if request else None
    return stored if stored in LANGUAGES else DEFAULT_LANGUAGE


def init_i18n(app: Flask) -> None:
    """Flask-Babel for our strings and Flask-Admin's own (its Spanish catalog, with ours laid over it)."""
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LANGUAGE)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(ROOT / "translations"))
    babel.init_app(app, locale_selector=select_locale)
    override_flask_admin_catalog()


OVERRIDES_DIRECTORY = str(ROOT / "translations")


def override_flask_admin_catalog() -> None:
    """Flask-Admin's strings ("Save", "With selected", its flashes) in the project's Spanish.

    Flask-Admin translates through its own Babel domain ("admin"), which merges our directory first
    and its own catalog last (its words would win). This lays translations/<lang>/LC_MESSAGES/admin.mo
    over the catalog the domain built, once per language (the domain caches the result)."""
    domain = getattr(admin_babel, "domain", None)
    if domain is None or getattr(domain, "_avisos_overrides", False):
        return
    original = domain.get_translations

    def get_translations(self):
        translations = original()
        if isinstance(translations, support.Translations) and not getattr(translations, "_avisos_merged", False):
            ours = support.Translations.load(OVERRIDES_DIRECTORY, [get_locale()], "admin")
            if isinstance(ours, support.Translations):
                translations.merge(ours)
            translations._avisos_merged = True
        return translations

    domain.get_translations = types.MethodType(get_translations, domain)
    domain._avisos_overrides = True
