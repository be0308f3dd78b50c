"""Console language: Spanish by default, English on request. UI strings are written in Spanish
and wrapped in `_()` / `lazy_gettext()`; translations/en/ holds their English versions."""

from __future__ import annotations

from flask import Flask, request, session
from flask_babel import Babel, gettext, lazy_gettext, ngettext

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
    """Flask-Babel for our strings and Flask-Admin's own (it ships a Spanish catalog)."""
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LANGUAGE)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(ROOT / "translations"))
    babel.init_app(app, locale_selector=select_locale)
