"""The stored search columns (customers.search_text, vehicles.search_text) are written from the
row's own columns by the one normaliser (app/orchestration/search.py) before every ORM INSERT and
UPDATE, so every write path (console, API, CSV import, syncs) keeps them current."""

from __future__ import annotations

from flask import current_app, has_app_context

from app.orchestration.search import DEFAULT_COUNTRY_CODE


def country_code() -> str:
    """The country national phone numbers belong to: WHATSAPP_DEFAULT_COUNTRY_CODE, else Ecuador's."""
    if has_app_context():
        return str(current_app.config.get("WHATSAPP_DEFAULT_COUNTRY_CODE") or DEFAULT_COUNTRY_CODE)
    return DEFAULT_COUNTRY_CODE
