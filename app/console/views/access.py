"""Console pages: Usuarios and Claves de API (admin only)."""

from __future__ import annotations

from datetime import timedelta
from typing import ClassVar

from flask import flash, make_response, redirect, request, url_for
from flask_admin import Admin, BaseView, expose
from flask_login import current_user, login_user
from sqlalchemy import func, select
from werkzeug.security import generate_password_hash
from wtforms import PasswordField, SelectField
from wtforms.validators import Length, Optional, ValidationError

from app.api.auth import generate_api_key
from app.console.forms import SCOPE_DESCRIPTIONS, ApiKeyForm
from app.console.i18n import gettext as _
from app.console.i18n import lazy_gettext as _l
from app.console.labels import ROLE_LABELS
from app.console.security import RoleAccessMixin, RoleModelView, require_role
from app.console.views.lookups import UUIDKeyMixin
from app.extensions import db
from app.models import ApiKey, User
from app.models.base import parse_uuid, utcnow


class UserView(UUIDKeyMixin, RoleModelView):
    """Console users: create with a password, change role, deactivate. Never shows the hash."""

    read_role = "admin"
    write_role = "admin"
    allow_delete = False
    column_list = ("email", "name", "role", "is_active", "last_login_at", "locked_until", "created_at")
    column_labels: ClassVar[dict] = {
        "email": _l("Correo"), "name": _l("Nombre"), "role": _l("Rol"), "is_active": _l("Activo"),
        "last_login_at": _l("Último acceso"), "locked_until": _l("Bloqueado hasta"), "created_at": _l("Creado"),
        "password": _l("Contraseña"),
    }
    column_formatters: ClassVar[dict] = {"role": lambda v, c, m, n: ROLE_LABELS.get(m.role, m.role)}
    column_searchable_list = ("email", "name")
    column_default_sort = ("email", False)
    form_columns = ("email", "name", "role", "is_active", "password")
    form_excluded_columns = ("password_hash", "failed_logins", "locked_until", "last_login_at")
    form_extra_fields: ClassVar[dict] = {
        "role": SelectField(_l("Rol"), choices=list(ROLE_LABELS.items()), default="viewer"),
        "password": PasswordField(_l("Contraseña"), validators=[Optional(), Length(min=10, max=200)],
                                  description=_l("Al menos 10 caracteres. Déjela vacía para no cambiarla.")),
    }

    def on_model_change(self, form, model: User, is_created: bool) -> None:
        model.email = (model.email or "").strip().lower()
        if form.password.data:
            model.password_hash = generate_password_hash(form.password.data)
        elif is_created:
            raise ValidationError(_("La contraseña es obligatoria para un usuario nuevo."))
        with db.session.no_autoflush:
            taken = db.session.execute(select(func.count()).select_from(User).where(
                User.email == model.email, User.id != model.id)).scalar()
        if taken:
            raise ValidationError(_("Ya existe un usuario con ese correo."))
        if model.id == current_user.id and (model.role != "admin" or not model.is_active):
            raise ValidationError(_("No puede quitarse a sí mismo el rol de administrador ni desactivarse."))

    def after_model_change(self, form, model: User, is_created: bool) -> None:
        # A new password, role or active flag ended the user's sessions (User's session_version).
        # An admin who changed their own password keeps this browser's session, under the new version.
        if not is_created and model.id == current_user.id:
            login_user(model)


class ApiKeyView(RoleAccessMixin, BaseView):
    """API keys: create (the key is shown once, then only its prefix), revoke; expiry and last use."""

    read_role = "admin"
    write_role = "admin"

    @expose("/", methods=["GET", "POST"])
    def index(self):
        form = ApiKeyForm()
        if request.method == "POST" and form.validate_on_submit():
            return self._created(form)
        keys = db.session.scalars(select(ApiKey).order_by(ApiKey.revoked_at.is_not(None), ApiKey.created_at.desc())).all()
        status = 400 if request.method == "POST" else 200
        return self.render("console/api_keys.html", form=form, keys=keys, now=utcnow(), raw_key=None,
                           scope_descriptions=SCOPE_DESCRIPTIONS), status

    def _created(self, form: ApiKeyForm):
        expires = utcnow() + timedelta(days=form.expires_days.data) if form.expires_days.data else None
        row, raw = generate_api_key(form.name.data.strip(), scopes=form.scopes(), expires_at=expires)
        db.session.commit()
        keys = db.session.scalars(select(ApiKey).order_by(ApiKey.created_at.desc())).all()
        # Rendered directly (never stored, never in a redirect URL or flash) and never cached.
        response = make_response(self.render("console/api_keys.html", form=ApiKeyForm(formdata=None), keys=keys,
                                             now=utcnow(), raw_key=raw, created=row,
                                             scope_descriptions=SCOPE_DESCRIPTIONS))
        response.headers["Cache-Control"] = "no-store"
        return response

    @expose("/revoke/", methods=["POST"])
    @require_role("admin")
    def revoke(self):
        row = db.session.get(ApiKey, parse_uuid(request.form.get("id", "")))
        if row is None or row.revoked_at is not None:
            flash(_("La clave no existe o ya estaba revocada."), "error")
        else:
            row.revoked_at = utcnow()
            db.session.commit()  # refused from the key's next request on, in every process
            flash(_("Clave %(prefix)s… revocada.", prefix=row.prefix), "success")
        return redirect(url_for(".index"))



def register(admin: Admin) -> None:
    """Add this page's views to the console."""
    admin.add_view(UserView(User, db, name=_l("Usuarios"), endpoint="users", url="/admin/users"))
    admin.add_view(ApiKeyView(name=_l("Claves de API"), endpoint="api_keys", url="/admin/api-keys"))
