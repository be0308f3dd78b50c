"""Public pages reached from messages: one-click unsubscribe from reminder emails (RFC 8058)."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select

from app.extensions import db
from app.models import Customer

public_bp = Blueprint("public", __name__)


def _customer_from(token: str) -> Customer:
    try:
        ref = URLSafeSerializer(current_app.config["SECRET_KEY"], salt="reminder-unsubscribe").loads(token)
    except BadSignature:
        abort(404)
    customer = db.session.execute(select(Customer).where(Customer.customer_id == ref)).scalar_one_or_none()
    if customer is None:
        abort(404)
    return customer


@public_bp.get("/u/<token>")
def unsubscribe_page(token: str):
    """Shows a confirmation button; a GET never changes anything (mail scanners follow links)."""
    customer = _customer_from(token)
    return render_template("public/unsubscribe.html", token=token, done=customer.reminder_email_opt_out)


@public_bp.post("/u/<token>")
def unsubscribe(token: str):
    """One-click: the mail provider POSTs `List-Unsubscribe=One-Click` with no further interaction."""
    customer = _customer_from(token)
    customer.reminder_email_opt_out = True
    db.session.commit()
    return render_template("public/unsubscribe.html", token=token, done=True)
