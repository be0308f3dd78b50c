"""Sign-in and sign-out for the console (Flask-Login).

Guessing is slowed twice (docs/SECURITY.md):
- per client address, by Flask-Limiter (LOGIN_RATE_LIMIT; Redis, or memory when embedded): a
  sign-in POST past the limit gets 429 without any check;
- per account, by an exponential delay instead of a lock: each attempt takes its number with one
  atomic UPDATE (so parallel attempts are counted exactly); from the LOGIN_FAILURES_BEFORE_DELAY-th
  on, the next attempt must wait 1, 2, 4 ... seconds (at most LOGIN_DELAY_MAX_SECONDS), and an
  attempt during the wait is refused unchecked. Nobody can lock the owner out for longer than
  that, and the owner's right password works as soon as the wait ends.
Every refusal (unknown account, wrong password, an account that must wait, a deactivated one)
answers the same 401 with the same message, after the same password-hash work.

A session and a remember-me cookie carry the user's session version (User.get_id): signing out
raises it, which ends every session of that user, on every device.
"""

from __future__ import annotations

import time
import uuid
from datetime import timedelta
from urllib.parse import urlsplit

from flask import Blueprint, Flask, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user, logout_user
from flask_wtf import FlaskForm
from sqlalchemy import case, or_, select, update
from werkzeug.security import check_password_hash
from wtforms import BooleanField, EmailField, PasswordField
from wtforms.validators import DataRequired

from app import audit
from app.console.i18n import gettext as _
from app.console.i18n import lazy_gettext as _l
from app.extensions import db, limiter, login_manager
from app.models import User
from app.models.base import utcnow

auth_bp = Blueprint("auth", __name__)

# Checked against when the password is not checked for real, so every refusal costs one hash verification.
_DUMMY_HASH = "scrypt:32768:8:1$5z0rjx2D8Ck0i7cP$" + "0" * 128
_NOBODY = uuid.UUID(int=0)  # no user has it


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


def _load_user(session_id: str) -> User | None:
    """The user of a session or remember-me cookie ("<id>:<version>"), while that version is current."""
    user_id, _, version = session_id.partition(":")
    try:
        user = db.session.get(User, uuid.UUID(user_id))
    except ValueError:
        return None
    if user is None or not user.is_active or not version.isdigit() or int(version) != user.session_version:
        return None
    return user


def _safe_next(target: str | None) -> str:
    """Only same-site relative paths are followed after sign-in (no open redirect)."""
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("admin.index")


def refused_message() -> str:
    return _("Correo o contraseña incorrectos, o demasiados intentos seguidos: "
             "espere un momento e inténtelo de nuevo.")


def authenticate(email: str, password: str) -> User | None:
    """The user when the credentials are right and the account may try now; None otherwise."""
    found = db.session.execute(select(User.id, User.password_hash, User.is_active)
                               .where(User.email == email.strip().lower())).first()
    db.session.commit()
    # Unknown and deactivated accounts run the same statement (on no row), so the time an answer
    # takes does not tell which accounts exist either.
    attempt = _start_attempt(found.id if found is not None and found.is_active else _NOBODY)
    if attempt is None:
        check_password_hash(_DUMMY_HASH, password)
        reason = "unknown" if found is None else "inactive" if not found.is_active else "waiting"
        _record_failure(email, found.id if found is not None else None, reason)
        return None
    if not check_password_hash(found.password_hash, password):
        _record_failure(email, found.id, "wrong_password")
        _after_failure(found.id, attempt, email)
        return None
    now = utcnow()
    db.session.execute(update(User).where(User.id == found.id)
                       .values(failed_logins=0, locked_until=None, last_login_at=now)
                       .execution_options(synchronize_session=False))
    db.session.commit()
    return db.session.get(User, found.id)


def _start_attempt(user_id: uuid.UUID) -> int | None:
    """Take this attempt's number atomically, or None while the account must wait. The attempt
    that reaches the allowance holds the account (for the longest delay) until its outcome is
    known, so no parallel attempt gets past it unchecked."""
    config = current_app.config
    now = utcnow()
    hold = now + timedelta(seconds=config["LOGIN_DELAY_MAX_SECONDS"])
    number = db.session.execute(
        update(User)
        .where(User.id == user_id, or_(User.locked_until.is_(None), User.locked_until <= now))
        .values(failed_logins=User.failed_logins + 1,
                locked_until=case((User.failed_logins + 1 >= config["LOGIN_FAILURES_BEFORE_DELAY"], hold),
                                  else_=User.locked_until))
        .returning(User.failed_logins).execution_options(synchronize_session=False)
    ).scalar_one_or_none()
    db.session.commit()
    return number


def _record_failure(email: str, user_id: uuid.UUID | None, reason: str) -> None:
    """A failed sign-in in the audit log (committed at once: the refusal is the whole request)."""
    audit.record_failed_sign_in(email, user_id, reason)
    db.session.commit()


def _after_failure(user_id: uuid.UUID, attempt: int, email: str) -> None:
    """Past the allowance, the next attempt waits 2^(attempts - allowance) seconds (capped)."""
    config = current_app.config
    allowance, longest = config["LOGIN_FAILURES_BEFORE_DELAY"], config["LOGIN_DELAY_MAX_SECONDS"]
    if attempt < allowance:
        return
    wait = min(2 ** min(attempt - allowance, 32), longest)
    db.session.execute(update(User).where(User.id == user_id, User.failed_logins == attempt)
                       .values(locked_until=utcnow() + timedelta(seconds=wait))
                       .execution_options(synchronize_session=False))
    audit.record_lockout(user_id, email.strip().lower(), attempt, wait)
    db.session.commit()
    current_app.logger.warning("console sign-in failures user=%s count=%d next attempt in %ds", user_id, attempt, wait)


def _client_address() -> str:
    return f"login:{request.remote_addr}"


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _too_many_from_address(limit) -> object:
    """The sign-in page again, 429 with Retry-After, when this address tried too often."""
    message = _("Demasiados intentos de inicio de sesión desde esta dirección. Espere unos minutos.")
    response = current_app.make_response((render_template("console/login.html", form=LoginForm(), error=message), 429))
    try:
        retry_after = max(1, int(limit.reset_at - time.time()) + 1)
    except Exception:  # noqa: BLE001 - reset_at asks the storage, which may be down
        retry_after = int(limit.limit.get_expiry())
    response.headers["Retry-After"] = str(retry_after)
    return response


@auth_bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"], key_func=_client_address, scope="console-login",
               on_breach=_too_many_from_address)
def login():
    """The sign-in form; on success, back to where the user was going."""
    if current_user.is_authenticated:
        return redirect(_safe_next(request.args.get("next")))
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        user = authenticate(form.email.data, form.password.data)
        if user is not None:
            login_user(user, remember=form.remember.data)
            audit.record_sign_in(user)
            db.session.commit()
            current_app.logger.info("console sign-in user=%s", user.id)
            return redirect(_safe_next(request.args.get("next")))
        error = refused_message()
    status = 401 if error else 200
    return render_template("console/login.html", form=form, error=error), status


@auth_bp.post("/logout")
def logout():
    """Sign out (a POST with the CSRF token, so a link elsewhere cannot sign staff out). Ends every
    session and remember-me cookie of the user, not only this browser's."""
    if current_user.is_authenticated:
        audit.record_sign_out(current_user)
        end_sessions(current_user.id)
    logout_user()
    flash(_("Sesión cerrada."), "info")
    return redirect(url_for("auth.login"))


def end_sessions(user_id: uuid.UUID) -> None:
    """Every session and remember-me cookie of this user stops working (committed)."""
    db.session.execute(update(User).where(User.id == user_id)
                       .values(session_version=User.session_version + 1)
                       .execution_options(synchronize_session=False))
    db.session.commit()
