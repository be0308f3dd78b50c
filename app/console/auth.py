"""Sign-in and sign-out for the console (Flask-Login), throttled after repeated failures."""

from __future__ import annotations

import uuid
from datetime import timedelta
from urllib.parse import urlsplit

from flask import Blueprint, Flask, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user, logout_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from werkzeug.security import check_password_hash
from wtforms import BooleanField, EmailField, PasswordField
from wtforms.validators import DataRequired

from app.console.i18n import lazy_gettext as _l
from app.extensions import db, login_manager
from app.models import User
from app.models.base import utcnow

auth_bp = Blueprint("auth", __name__)

MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)
# Checked against when the email is unknown, so both paths cost one hash verification.
_DUMMY_HASH = "scrypt:32768:8:1$5z0rjx2D8Ck0i7cP$" + "0" * 128


class LoginForm(FlaskForm):
    email = EmailField(_l("Correo electrónico"), validators=[DataRequired()])
    password = PasswordField(_l("Contraseña"), validators=[DataRequired()])
    remember = BooleanField(_l("Recordarme"))


def init_login(app: Flask) -> None:
    """Bind Flask-Login; API paths answer 401 JSON, pages redirect to /login."""
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Inicia sesión para continuar."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"
    login_manager.user_loader(_load_user)


def _load_user(user_id: str) -> User | None:
    try:
        user = db.session.get(User, uuid.UUID(user_id))
    except ValueError:
        return None
    return user if user is not None and user.is_active else None


def _safe_next(target: str | None) -> str:
    """Only same-site relative paths are followed after sign-in (no open redirect)."""
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("admin.index")


def authenticate(email: str, password: str) -> tuple[User | None, str | None]:
    """Check credentials, counting failures; returns (user, None) or (None, reason)."""
    user = db.session.execute(select(User).where(User.email == email.strip().lower())).scalar_one_or_none()
    now = utcnow()
    if user is not None and user.locked_until is not None and user.locked_until > now:
        return None, "Demasiados intentos fallidos. Inténtalo de nuevo en unos minutos."
    if user is None or not user.is_active:
        check_password_hash(_DUMMY_HASH, password)
        return None, "Correo o contraseña incorrectos."
    if not check_password_hash(user.password_hash, password):
        user.failed_logins += 1
        if user.failed_logins >= MAX_FAILED_LOGINS:
            user.locked_until = now + LOCKOUT
            user.failed_logins = 0
        db.session.commit()
        return None, "Correo o contraseña incorrectos."
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    db.session.commit()
    return user, None


@auth_bp.route("/login", methods=["GET", "POST"])
def login():
    """The sign-in form; on success, back to where the user was going."""
    if current_user.is_authenticated:
        return redirect(_safe_next(request.args.get("next")))
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        user, error = authenticate(form.email.data, form.password.data)
        if user is not None:
            login_user(user, remember=form.remember.data)
            current_app.logger.info("console sign-in user=%s", user.id)
            return redirect(_safe_next(request.args.get("next")))
    status = 401 if error else 200
    return render_template("console/login.html", form=form, error=error), status


@auth_bp.post("/logout")
def logout():
    """Sign out (a POST with the CSRF token, so a link elsewhere cannot sign staff out)."""
    logout_user()
    flash("Sesión cerrada.", "info")
    return redirect(url_for("auth.login"))
