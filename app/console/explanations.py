"""What staff read instead of raw codes: event names, targets and, per error code, a Spanish
explanation with the next step. The raw code and the provider's text stay one click away
(templates/console/_macros.html, `error_help`)."""

from __future__ import annotations

from dataclasses import dataclass

from app.console.i18n import lazy_gettext as _l
from app.models.enums import TARGET_LABELS

EVENT_LABELS = {
    "appointment_scheduled": _l("Cita agendada"),
    "vehicle_received": _l("Vehículo recibido"),
    "repair_started": _l("Reparación iniciada"),
    "quality_check": _l("Control de calidad"),
    "vehicle_ready": _l("Vehículo listo"),
    "status_changed": _l("Cambio de estado"),
    "maintenance_reminder": _l("Recordatorio de mantenimiento"),
    "inbox.reply": _l("Respuesta del taller"),
    "inbox.opt_out": _l("Confirmación de baja de WhatsApp"),
    "inbox.opt_in": _l("Confirmación de alta de WhatsApp"),
}


def event_label(event_type: str | None) -> str:
    """A known event's Spanish name; another event's code read as words ("parts_arrived" -> "Parts arrived")."""
    if not event_type:
        return "—"
    known = EVENT_LABELS.get(event_type)
    if known is not None:
        return str(known)
    words = event_type.replace("_", " ").replace("-", " ").strip()
    return words[:1].upper() + words[1:]


def target_label(target: str | None) -> str:
    return TARGET_LABELS.get(target or "", target or "—")


@dataclass(frozen=True)
class ErrorHelp:
    explanation: str
    next_step: str
    # A configuration error fails again on resend until someone fixes the settings.
    configuration: bool = False


_SETTINGS = _l("Un administrador debe revisarlo en Talleres y canales (o en la configuración del servidor).")
_WAIT = _l("Se reintenta solo; si persiste, revise la conexión del servidor con el proveedor.")
_CONTACT = _l("Corrija el dato del cliente en Clientes y reenvíe.")

_HELP: dict[str, tuple] = {
    "whatsapp_not_configured": (_l("WhatsApp no está configurado."),
                                _l("Un administrador debe completar la conexión en Talleres y canales."), True),
    "evolution_invalid_url": (_l("La dirección del servicio de WhatsApp (Evolution API) no es válida."), _SETTINGS, True),
    "evolution_redirect": (_l("La dirección del servicio de WhatsApp (Evolution API) redirige a otra; "
                              "debe configurarse la dirección final."), _SETTINGS, True),
    "evolution_unauthorized": (_l("El servicio de WhatsApp rechazó la clave de acceso."), _SETTINGS, True),
    "evolution_instance_not_found": (_l("La instancia de WhatsApp no existe o no está conectada."),
                                     _l("Un administrador debe volver a vincular el teléfono del taller (código QR)."), True),
    "evolution_connect_timeout": (_l("El servicio de WhatsApp no respondió a tiempo."), _WAIT, False),
    "evolution_timeout": (_l("El servicio de WhatsApp no respondió a tiempo."), _WAIT, False),
    "evolution_connection_error": (_l("No se pudo conectar con el servicio de WhatsApp."), _WAIT, False),
    "evolution_request_error": (_l("El servicio de WhatsApp rechazó el mensaje."),
                                _l("Revise el detalle técnico; si el número es correcto, reenvíe."), False),
    "whatsapp_not_registered": (_l("El número del cliente no tiene WhatsApp."),
                                _l("Confirme el número con el cliente o use otro canal."), False),
    "invalid_number": (_l("El número de teléfono no es válido."), _CONTACT, False),
    "invalid_recipient": (_l("El destinatario no es válido (correo o teléfono mal escrito)."), _CONTACT, False),
    "smtp_not_supported": (_l("El servidor de correo no admite lo que se le pidió."), _SETTINGS, True),
    "smtp_auth_failed": (_l("El servidor de correo rechazó el usuario o la contraseña."), _SETTINGS, True),
    "smtp_tls_error": (_l("No se pudo establecer la conexión segura con el servidor de correo."), _SETTINGS, True),
    "smtp_connect_error": (_l("No se pudo conectar con el servidor de correo."),
                           _l("Si el correo nunca se configuró, un administrador debe configurarlo; si funcionaba, se reintenta solo."), True),
    "smtp_connection_error": (_l("Se perdió la conexión con el servidor de correo."), _WAIT, False),
    "smtp_disconnected": (_l("El servidor de correo cortó la conexión."), _WAIT, False),
    "smtp_timeout": (_l("El servidor de correo no respondió a tiempo."), _WAIT, False),
    "smtp_error": (_l("El servidor de correo devolvió un error."), _l("Revise el detalle técnico y reenvíe."), False),
    "push_not_configured": (_l("Las notificaciones push no están configuradas (faltan las claves VAPID)."), _SETTINGS, True),
    "push_invalid_vapid_key": (_l("La clave VAPID de las notificaciones push no es válida."), _SETTINGS, True),
    "push_vapid_error": (_l("El servicio push rechazó las claves VAPID del taller."), _SETTINGS, True),
    "no_push_subscription": (_l("El cliente no tiene activadas las notificaciones push."),
                             _l("Pida al cliente que las active en la aplicación, o use otro canal."), False),
    "push_subscription_gone": (_l("El cliente desactivó las notificaciones push en su dispositivo."),
                               _l("Use otro canal o pida al cliente que las active de nuevo."), False),
    "push_invalid_subscription": (_l("La suscripción push del cliente no es válida."),
                                  _l("Pida al cliente que active de nuevo las notificaciones."), False),
    "push_payload_too_large": (_l("El mensaje es demasiado largo para una notificación push."),
                               _l("Acorte la plantilla en Plantillas."), False),
    "push_connection_error": (_l("No se pudo conectar con el servicio push."), _WAIT, False),
    "push_timeout": (_l("El servicio push no respondió a tiempo."), _WAIT, False),
    "push_invalid_payload": (_l("El contenido de la notificación push no es válido."),
                             _l("Revise la plantilla en Plantillas."), False),
    "missing_variables": (_l("A la plantilla le faltan datos del evento."),
                          _l("Revise la plantilla en Plantillas o los datos que envía el sistema del taller."), False),
    "invalid_message": (_l("El mensaje quedó vacío o no es válido."), _l("Revise la plantilla en Plantillas."), False),
    "empty_message": (_l("El mensaje quedó vacío."), _l("Revise la plantilla en Plantillas."), False),
    "no_channel": (_l("No había ningún canal disponible para este cliente."),
                   _l("Complete el correo o el teléfono del cliente, o sus preferencias."), False),
    "expired_waiting": (_l("El aviso esperó demasiado a que el cliente tuviera un canal y caducó."),
                        _l("Complete los datos del cliente; los próximos avisos llegarán."), False),
    "provider_error": (_l("El proveedor devolvió un error."), _l("Revise el detalle técnico y reenvíe."), False),
    "delivery_interrupted": (_l("El envío se interrumpió (reinicio del servidor)."), _l("Reenvíe la notificación."), False),
}


def error_help(code: str | None) -> ErrorHelp | None:
    """The explanation of an error code; SMTP and push status codes by family; None without a code."""
    if not code:
        return None
    entry = _HELP.get(code)
    if entry is None and code.startswith("smtp_5"):
        entry = (_l("El servidor de correo del destinatario rechazó el mensaje (el buzón no existe o no lo acepta)."),
                 _CONTACT, False)
    elif entry is None and code.startswith("smtp_4"):
        entry = (_l("El servidor de correo aplazó el mensaje."), _WAIT, False)
    elif entry is None and code.startswith("push_4"):
        entry = (_l("El servicio push rechazó la petición."), _SETTINGS, True)
    elif entry is None and code.startswith("push_5"):
        entry = (_l("El servicio push falló."), _WAIT, False)
    if entry is None:
        return ErrorHelp(str(_l("Error no clasificado.")), str(_l("Revise el detalle técnico y reenvíe.")))
    explanation, step, configuration = entry
    return ErrorHelp(str(explanation), str(step), configuration)


def error_title(code: str | None) -> str:
    """One line for charts and tables: the explanation, or a dash."""
    found = error_help(code)
    return found.explanation if found else "—"
