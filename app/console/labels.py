"""Display labels and badge colours for statuses, channels and roles (Spanish source, translated)."""

from __future__ import annotations

from app.channels import CHANNEL_LABELS as CHANNEL_NAMES
from app.console.i18n import lazy_gettext as _l

STATUS_LABELS = {
    "waiting_for_customer": _l("Esperando cliente"),
    "queued": _l("En cola"),
    "scheduled": _l("Programada"),
    "sending": _l("Enviando"),
    "retrying": _l("Reintentando"),
    "sent": _l("Enviada"),
    "delivered": _l("Entregada"),
    "read": _l("Leída"),
    "failed": _l("Fallida"),
    "cancelled": _l("Cancelada"),
}
STATUS_BADGES = {
    "waiting_for_customer": "secondary", "queued": "info", "scheduled": "dark", "sending": "primary", "retrying": "warning",
    "sent": "success", "delivered": "success", "read": "success", "failed": "danger", "cancelled": "light",
}
# Why a message waited for its planned time (notifications.hold_reason).
HOLD_LABELS = {
    "send_at": _l("hora pedida por el sistema que envió el evento"),
    "window": _l("fuera del horario de envío del taller"),
    "cap": _l("límite de mensajes por cliente"),
    "reminder": _l("recordatorio de cita"),
}
CHANNEL_LABELS = {channel: _l(label) for channel, label in CHANNEL_NAMES.items()}
ROLE_LABELS = {"admin": _l("Administrador"), "operator": _l("Operador"), "viewer": _l("Lector")}
# "los cambios los hace un usuario ..." (the read-only notice at the top of a page).
ROLE_NEEDED = {"admin": _l("administrador"), "operator": _l("operador o administrador")}
HEALTH_LABELS = {
    "healthy": _l("Saludable"), "degraded": _l("Degradado"), "failing": _l("Fallando"), "idle": _l("Sin actividad"),
}
HEALTH_BADGES = {"healthy": "success", "degraded": "warning", "failing": "danger", "idle": "secondary"}
OUTCOME_LABELS = {"ok": _l("Correcto"), "transient": _l("Temporal"), "permanent": _l("Permanente")}
OUTCOME_BADGES = {"ok": "success", "transient": "warning", "permanent": "danger"}


def status_label(status: str) -> str:
    return str(STATUS_LABELS.get(status, status))


def channel_label(channel: str | None) -> str:
    return str(CHANNEL_LABELS.get(channel or "", channel or "—"))
