"""Fill translations/en/LC_MESSAGES/messages.po with the English of the console's strings: the
dictionary below (dashboard, log, analytics, queues, access) and those of fill_en_b.py (templates,
matrix, customers, vehicles, reminders, workshops) and fill_en_ib.py (import/export, data sources).
Only empty entries are filled, so an edited translation is never overwritten.

Run: pybabel extract -F translations/babel.cfg -k _l -k lazy_gettext -o translations/messages.pot .
     pybabel init|update -i translations/messages.pot -d translations -l en
     python translations/fill_en.py && pybabel compile -d translations
Strings left empty fall back to the Spanish source.
"""

from pathlib import Path

from babel.messages.pofile import read_po, write_po

EN = {
    "Correo o contraseña incorrectos, o demasiados intentos seguidos: espere un momento e inténtelo de nuevo.":
        "Wrong email or password, or too many attempts in a row: wait a moment and try again.",
    "Demasiados intentos de inicio de sesión desde esta dirección. Espere unos minutos.":
        "Too many sign-in attempts from this address. Wait a few minutes.",
    "Sesión cerrada.": "Signed out.",
    "Inicio": "Home", "Notificaciones": "Notifications", "Analítica": "Analytics", "Colas": "Queues",
    "Usuarios": "Users", "Claves de API": "API keys", "Menú": "Menu", "Idioma": "Language",
    "Cerrar sesión": "Sign out", "Modo de compatibilidad activo:": "Compatibility mode is on:",
    "la API acepta peticiones sin clave de API. Desactívelo (AUTH_MODE) en cuanto los clientes usen claves.":
        "the API accepts requests without an API key. Turn it off (AUTH_MODE) as soon as clients use keys.",
    "Esperando cliente": "Waiting for customer", "En cola": "Queued", "Enviando": "Sending",
    "Reintentando": "Retrying", "Enviada": "Sent", "Entregada": "Delivered", "Leída": "Read",
    "Fallida": "Failed", "Cancelada": "Cancelled", "Administrador": "Administrator", "Operador": "Operator",
    "Lector": "Viewer", "Saludable": "Healthy", "Degradado": "Degraded", "Fallando": "Failing",
    "Sin actividad": "No activity", "Correcto": "OK", "Temporal": "Transient", "Permanente": "Permanent",
    "Hoy": "Today", "Últimos 7 días": "Last 7 days", "Enviadas": "Sent", "Entregadas": "Delivered",
    "Fallidas": "Failed", "Tasa de entrega": "Delivery rate", "%(n)s en total": "%(n)s in total",
    "Salud por canal (últimas 24 h)": "Channel health (last 24 h)", "Canal": "Channel", "Estado": "Status",
    "Pendientes": "Pending", "Éxito": "Success", "Colas y trabajadores": "Queues and workers",
    "Los trabajos se ejecutan dentro del proceso web (modo integrado, sin Redis).":
        "Jobs run inside the web process (embedded mode, no Redis).",
    "No se pudo leer el estado de Redis (%(error)s).": "Could not read Redis status (%(error)s).",
    "Cola": "Queue", "En espera": "Waiting", "En curso": "Running", "Programados": "Scheduled",
    "Fallidos": "Failed", "Trabajadores activos:": "Live workers:",
    "No hay trabajadores: los avisos no se enviarán.": "No workers: notifications will not be sent.",
    "Últimos fallos": "Latest failures", "Fecha": "Date", "Destinatario": "Recipient", "Evento": "Event",
    "Error": "Error", "Ver": "View", "Sin fallos recientes": "No recent failures",
    "Todo lo enviado ha llegado a su proveedor.": "Everything sent reached its provider.",
    "Creada": "Created", "Cliente": "Customer", "Correlación": "Correlation", "Intentos": "Attempts",
    "Asunto": "Subject", "Detalle del error": "Error detail", "Tipo de evento": "Event type",
    "Cliente (id)": "Customer (id)", "Id de correlación": "Correlation id",
    "No hay notificaciones con estos filtros.": "No notifications match these filters.",
    "La notificación no existe.": "The notification does not exist.",
    "Notificación reenviada.": "Notification resent.",
    "Solo se pueden reenviar notificaciones fallidas.": "Only failed notifications can be resent.",
    "Notificación cancelada.": "Notification cancelled.",
    "Solo se pueden cancelar notificaciones que aún no se han enviado.":
        "Only notifications not yet sent can be cancelled.",
    "Falta el identificador de la notificación.": "The notification id is missing.",
    "Reenviar": "Resend", "Cancelar": "Cancel",
    "¿Reenviar las notificaciones fallidas seleccionadas?": "Resend the selected failed notifications?",
    "¿Cancelar las notificaciones en cola seleccionadas?": "Cancel the selected queued notifications?",
    "%(n)s notificaciones reenviadas.": "%(n)s notifications resent.",
    "%(n)s notificaciones canceladas.": "%(n)s notifications cancelled.",
    "%(n)s omitidas: su estado no lo permite.": "%(n)s skipped: their status does not allow it.",
    "≈ %(n)s en el registro": "≈ %(n)s in the log", "Notificación": "Notification",
    "¿Cancelar esta notificación?": "Cancel this notification?",
    "Mensaje tal como lo vio el cliente": "Message as the customer saw it", "Para": "To",
    "Vista del correo": "Email preview", "Versión de texto": "Text version", "(sin contenido)": "(empty)",
    "Enlace:": "Link:", "Datos": "Details", "Destino": "Target", "Fallida ": "Failed",
    "Id del proveedor": "Provider id", "Intentos de entrega": "Delivery attempts", "Inicio ": "Start",
    "Resultado": "Outcome", "Duración": "Duration", "Aún no hay intentos": "No attempts yet",
    "La notificación todavía no ha pasado por un canal.": "The notification has not gone through a channel yet.",
    "Cadena de respaldo": "Fallback chain", "(esta)": "(this one)",
    "Sin respaldo: esta notificación no ha pasado a otro canal.":
        "No fallback: this notification has not moved to another channel.",
    "Desde": "From", "Hasta": "To", "La fecha final es anterior a la inicial.": "The end date is before the start date.",
    "El rango no puede superar 366 días.": "The range cannot exceed 366 days.", "Aplicar": "Apply",
    "%(n)s días": "%(n)s days", "Total": "Total", "Volumen diario por canal": "Daily volume by channel",
    "Tasa de entrega por día": "Delivery rate per day", "Fallos por código de error": "Failures by error code",
    "Tiempo de la cola al envío": "Time from queued to sent", "Salud por canal": "Channel health",
    "Corrija el rango de fechas": "Fix the date range",
    "Los gráficos aparecerán cuando el rango sea válido.": "The charts appear once the range is valid.",
    "Sin canal": "No channel", "Fallos": "Failures",
    "Sin Redis: modo integrado": "No Redis: embedded mode",
    "Los trabajos se ejecutan dentro del proceso web, así que no hay colas que vigilar. Configure REDIS_URL para usar colas RQ y trabajadores.":
        "Jobs run inside the web process, so there are no queues to watch. Set REDIS_URL to use RQ queues and workers.",
    "en curso %(a)s · programados %(b)s · fallidos %(c)s": "running %(a)s · scheduled %(b)s · failed %(c)s",
    "Abrir en una pestaña": "Open in a tab", "Correo": "Email", "Nombre": "Name", "Rol": "Role",
    "Activo": "Active", "Último acceso": "Last sign-in", "Bloqueado hasta": "Locked until", "Creado": "Created",
    "Contraseña": "Password", "Al menos 10 caracteres. Déjela vacía para no cambiarla.":
        "At least 10 characters. Leave empty to keep the current one.",
    "Escriba un correo electrónico válido.": "Enter a valid email address.",
    "Ya existe un usuario con ese correo.": "A user with that email already exists.",
    "La contraseña es obligatoria para un usuario nuevo.": "A new user needs a password.",
    "No puede quitarse a sí mismo el rol de administrador ni desactivarse.":
        "You cannot remove your own admin role or deactivate yourself.",
    "La clave no existe o ya estaba revocada.": "The key does not exist or was already revoked.",
    "Clave %(prefix)s… revocada.": "Key %(prefix)s… revoked.", "Correo electrónico": "Email",
    "Caduca en (días)": "Expires in (days)", "Elija al menos un permiso.": "Choose at least one scope.",
    "Clave «%(name)s» creada.": "Key “%(name)s” created.", "Cópiela ahora: no se volverá a mostrar.":
        "Copy it now: it will not be shown again.", "Nueva clave": "New key", "Permisos": "Scopes",
    "Vacío: no caduca.": "Empty: never expires.", "Crear clave": "Create key", "Claves": "Keys",
    "Prefijo": "Prefix", "Caduca": "Expires", "Último uso": "Last used", "Revocada": "Revoked",
    "Caducada": "Expired", "Activa": "Active",
    "¿Revocar esta clave? Las aplicaciones que la usen dejarán de funcionar.":
        "Revoke this key? Applications using it will stop working.", "Revocar": "Revoke",
    "Aún no hay claves": "No keys yet", "Cree una para que otros sistemas puedan enviar eventos.":
        "Create one so other systems can send events.",
    "Tiempo desde la cola hasta el envío": "Time from queued to sent", "Notificaciones ": "Notifications",
    "Iniciar sesión": "Sign in", "Entrar": "Sign in", "Recordarme": "Remember me",
    "Consola de notificaciones del taller": "The workshop's notification console",
    "Correo o contraseña incorrectos.": "Wrong email or password.",
    "Demasiados intentos fallidos. Inténtalo de nuevo en unos minutos.":
        "Too many failed attempts. Try again in a few minutes.",
    "Inicia sesión para continuar.": "Sign in to continue.", "Sesión cerrada.": "Signed out.",
    "Enviadas ": "Sent",
}


def main() -> None:
    import sys

    sys.path.insert(0, str(Path(__file__).parent))
    from fill_en_b import EN as EN_B
    from fill_en_ib import EN as EN_IB

    english = {**EN_IB, **EN_B, **EN}
    path = Path(__file__).parent / "en" / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        catalog = read_po(handle, locale="en")
    filled = 0
    for message in catalog:
        if message.id and isinstance(message.id, str) and message.id in english and not message.string:
            message.string = english[message.id]
            filled += 1
        if message.id and isinstance(message.id, str):
            message.flags.discard("fuzzy")
    with path.open("wb") as handle:
        write_po(handle, catalog, width=110)
    print(f"filled {filled} entries")


if __name__ == "__main__":
    main()
