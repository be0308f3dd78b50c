"""What every console page's layout needs: the signed-in user, language links, labels, the compat banner."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from flask import Flask, request
from flask_babel import get_locale
from flask_login import current_user

from app import integrations
from app.console import explanations, import_messages, labels
from app.console.i18n import LANGUAGES
from app.console.security import has_role


def lang_url(code: str) -> str:
    """The current page in another language (?lang= is remembered in the session)."""
    args = request.args.to_dict(flat=False)
    args["lang"] = [code]
    return f"{request.path}?{urlencode(args, doseq=True)}"


def _context() -> dict[str, Any]:
    return {
        "console_user": current_user,
        "console_has_role": lambda role: has_role(current_user, role),
        "console_lang": str(get_locale() or "es"),
        "console_languages": LANGUAGES,
        "lang_url": lang_url,
        "labels": labels,
        "console_channel_names": lambda: {key: str(value) for key, value in labels.CHANNEL_LABELS.items()},
        "explain_error": explanations.error_help,
        "event_label": explanations.event_label,
        "target_label": explanations.target_label,
        "import_message": import_messages.message,
        "import_column": import_messages.column,
        "timedelta_days": lambda n: timedelta(days=n),
    }


def init_layout(app: Flask) -> None:
    app.context_processor(_context)
    app.jinja_env.globals["compat_mode"] = lambda: app.config.get("AUTH_MODE") == "compat"
    app.jinja_env.globals["console_live_enabled"] = integrations.live_enabled
