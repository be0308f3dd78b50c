"""Roles and the access rules every console view applies on the server."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from functools import wraps
from typing import Any

from flask import abort, flash, redirect
from flask_admin import expose
from flask_admin.contrib.sqla import ModelView
from flask_admin.helpers import get_redirect_target
from flask_admin.model import typefmt
from flask_login import current_user

from app.console import formatting, labels
from app.console.i18n import gettext as _
from app.extensions import login_manager

ROLE_RANK = {"viewer": 1, "operator": 2, "admin": 3}


def has_role(user: Any, role: str) -> bool:
    """True when `user` is signed in, active and holds `role` or a higher one."""
    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return False
    return ROLE_RANK.get(getattr(user, "role", ""), 0) >= ROLE_RANK[role]


def deny() -> Any:
    """Anonymous visitors go to /login; signed-in users without the role get 403."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    abort(403)


def require_role(role: str) -> Callable:
    """Guard one view method (an @expose endpoint or an action) with a minimum role."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not has_role(current_user, role):
                return deny()
            return view(*args, **kwargs)

        return wrapper

    return decorator


class RoleAccessMixin:
    """Put first in a view's bases. `read_role` may see the view; `write_role` may change data."""

    read_role = "viewer"
    write_role = "operator"
    # Pages with nothing to change (dashboard, analytics) set this False: no read-only notice there.
    has_changes = True

    def is_accessible(self) -> bool:
        return has_role(current_user, self.read_role)

    def read_only_notice(self) -> bool:
        """True when the signed-in user may read this page but not change it (said at the top)."""
        return self.has_changes and has_role(current_user, self.read_role) and not self.can_write()

    def inaccessible_callback(self, name: str, **kwargs: Any) -> Any:
        return deny()

    def can_write(self) -> bool:
        return has_role(current_user, self.write_role)


def _datetime_formatter(view: Any, value: datetime, name: str) -> str:
    return formatting.local_time(value)


def _date_formatter(view: Any, value: date, name: str) -> str:
    return value.isoformat()


def _yes_no(view: Any, value: bool, name: str) -> str:
    return _("Sí") if value else _("No")


# Times in the workshop's zone (no microseconds, no offset) in lists, details and exports; yes/no
# in words in details and exports (lists keep Flask-Admin's check icons).
TYPE_FORMATTERS = {**typefmt.BASE_FORMATTERS, datetime: _datetime_formatter, date: _date_formatter}
DETAIL_TYPE_FORMATTERS = {**typefmt.DETAIL_FORMATTERS, datetime: _datetime_formatter, date: _date_formatter,
                          bool: _yes_no}
EXPORT_TYPE_FORMATTERS = {**typefmt.EXPORT_FORMATTERS, datetime: _datetime_formatter, date: _date_formatter,
                          bool: _yes_no}


class RoleModelView(RoleAccessMixin, ModelView):
    """A ModelView whose create/edit/delete/actions follow `write_role` per request.

    Flask-Admin checks `can_create`, `can_edit` and `can_delete` inside its own views, so making
    them properties enforces the role on the server, not only by hiding buttons. `allow_*` switch
    an operation off for everyone.
    """

    allow_create = True
    allow_edit = True
    allow_delete = True
    column_type_formatters = TYPE_FORMATTERS
    column_type_formatters_detail = DETAIL_TYPE_FORMATTERS
    column_type_formatters_export = EXPORT_TYPE_FORMATTERS

    @property
    def can_create(self) -> bool:  # type: ignore[override]
        return self.allow_create and self.can_write()

    @property
    def can_edit(self) -> bool:  # type: ignore[override]
        return self.allow_edit and self.can_write()

    @property
    def can_delete(self) -> bool:  # type: ignore[override]
        return self.allow_delete and self.can_write()

    def is_action_allowed(self, name: str) -> bool:
        return self.can_write() and super().is_action_allowed(name)

    @expose("/new/", methods=("GET", "POST"))
    def create_view(self):
        return self._refused_form(self.allow_create) or super().create_view()

    @expose("/edit/", methods=("GET", "POST"))
    def edit_view(self):
        return self._refused_form(self.allow_edit) or super().edit_view()

    def _refused_form(self, allowed: bool) -> Any:
        """A role that may not change rows, following a create or edit link, is told why (Flask-Admin
        redirected to the list without a word)."""
        if allowed and not self.can_write():
            flash(_("Su rol (%(role)s) no permite hacer cambios en esta página; pida ayuda a un usuario %(needed)s.",
                    role=labels.ROLE_LABELS.get(current_user.role, current_user.role),
                    needed=labels.ROLE_NEEDED.get(self.write_role, self.write_role)), "warning")
            return redirect(get_redirect_target() or self.get_url(".index_view"))
        return None

    def create_form(self, obj: Any = None) -> Any:
        return _label_blank_choices(super().create_form(obj))

    def edit_form(self, obj: Any = None) -> Any:
        return _label_blank_choices(super().edit_form(obj))


def _label_blank_choices(form: Any) -> Any:
    """An optional choice's empty option reads "— Ninguno —" (WTForms showed its value, "__None")."""
    for field in form:
        if getattr(field, "allow_blank", False) and not getattr(field, "blank_text", None):
            field.blank_text = _("— Ninguno —")
    return form
