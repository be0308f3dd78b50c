"""Console forms (Flask-WTF; the CSRF token comes from CSRFProtect on every POST)."""

from __future__ import annotations

from datetime import timedelta

from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, EmailField, IntegerField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional, ValidationError

from app.console.i18n import lazy_gettext as _l
from app.console.labels import ROLE_LABELS

MAX_RANGE_DAYS = 366
# The API's scopes (app/api/auth.py SCOPES), each with what it lets a system do.
SCOPES = ("dispatch", "read", "manage", "push")
SCOPE_DESCRIPTIONS = {
    "dispatch": _l("Enviar eventos del taller para que se notifique a los clientes."),
    "read": _l("Consultar notificaciones, clientes, vehículos y analítica."),
    "manage": _l("Cambiar clientes, vehículos, plantillas y configuración (incluye consultar y push)."),
    "push": _l("Registrar y quitar suscripciones push de la aplicación del cliente."),
}


class DateRangeForm(FlaskForm):
    """The analytics date range (a GET form: nothing changes, so no CSRF token)."""

    class Meta:
        csrf = False

    start = DateField(_l("Desde"), validators=[Optional()])
    end = DateField(_l("Hasta"), validators=[Optional()])

    def validate_end(self, field) -> None:
        if self.start.data and field.data:
            if field.data < self.start.data:
                raise ValidationError(_l("La fecha final es anterior a la inicial."))
            if field.data - self.start.data > timedelta(days=MAX_RANGE_DAYS):
                raise ValidationError(_l("El rango no puede superar 366 días."))


class UserForm(FlaskForm):
    email = EmailField(_l("Correo electrónico"), validators=[DataRequired(), Email(), Length(max=254)])
    name = StringField(_l("Nombre"), validators=[Optional(), Length(max=120)])
    role = SelectField(_l("Rol"), choices=[(k, v) for k, v in ROLE_LABELS.items()], default="viewer")
    password = PasswordField(_l("Contraseña"), validators=[DataRequired(), Length(min=10, max=200)])


class ApiKeyForm(FlaskForm):
    name = StringField(_l("Nombre"), validators=[DataRequired(), Length(max=120)])
    dispatch = BooleanField("dispatch", default=True)
    read = BooleanField("read", default=True)
    manage = BooleanField("manage")
    push = BooleanField("push")
    expires_days = IntegerField(_l("Caduca en (días)"), validators=[Optional(), NumberRange(min=1, max=3650)])

    def scopes(self) -> str:
        return " ".join(scope for scope in SCOPES if getattr(self, scope).data)

    def validate_name(self, field) -> None:
        if not self.scopes():
            raise ValidationError(_l("Elija al menos un permiso."))
