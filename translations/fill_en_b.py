"""Fill translations/en/LC_MESSAGES/messages.po with console B's strings (templates, matrix,
customers, vehicles, reminders, workshops). Only empty entries are filled, so console A's
translations are never overwritten.

Run after `pybabel update` (see docs/CONSOLE.md), then `pybabel compile -d translations`.
"""

from pathlib import Path

from babel.messages.pofile import read_po, write_po

EN = {
    # status badges and shared words
    "Pendiente": "Pending", "Notificado": "Notified", "Completado": "Completed", "Cancelado": "Cancelled",
    "Vencido": "Overdue", "Activo": "Active", "Inactivo": "Inactive", "Activa": "Active", "Inactiva": "Inactive",
    "Sí": "Yes", "No": "No", "Email": "Email", "WhatsApp": "WhatsApp", "Push": "Push", "Taller": "Workshop",
    "Talleres": "Workshops", "Estado": "Status", "Canal": "Channel", "Cliente": "Customer", "Clientes": "Customers",
    "Personal del taller": "Workshop staff", "Ver": "View", "Ver todos": "See all", "Acciones": "Actions",
    "Global": "Global", "taller": "workshop", "Mostrando solo: %(who)s": "Showing only: %(who)s", "Creada": "Created", "Modificada": "Modified",
    # customers
    "Datos de contacto": "Contact details", "ID de cliente": "Customer ID", "Teléfono": "Phone",
    "Sin recordatorios por email": "No reminder emails", "Preferencias de canal": "Channel preferences",
    "Prioridad": "Priority", "Guardar preferencias": "Save preferences", "1 = primero": "1 = first",
    "Notificaciones push": "Push notifications", "Navegador desconocido": "Unknown browser",
    "Último envío correcto": "Last successful send", "Sin suscripciones push.": "No push subscriptions.",
    "Vehículos": "Vehicles", "Placa": "Plate", "Vehículo": "Vehicle", "Kilometraje": "Mileage",
    "Sin vehículos.": "No vehicles.", "Recordatorios": "Reminders", "Recordatorio": "Reminder", "Vence": "Due",
    "Sin recordatorios.": "No reminders.", "Historial de notificaciones": "Notification history",
    "intentos": "attempts", "Páginas del historial": "History pages", "Más recientes": "Newer",
    "Anteriores": "Older",
    "Este cliente todavía no ha recibido notificaciones.": "This customer has not received any notifications yet.",
    "La prioridad debe ser un número entre 1 y %(max)s.": "Priority must be a number between 1 and %(max)s.",
    "Nombre": "First name", "Apellido": "Last name",
    "No quiere recordatorios por email": "Does not want reminder emails", "Email no válido.": "Invalid email.",
    "Teléfono no válido.": "Invalid phone number.", "Número no válido.": "Invalid number.",
    "El ID de cliente es obligatorio.": "The customer ID is required.",
    "Ya existe un cliente con ese ID.": "A customer with that ID already exists.",
    "El cliente no existe.": "The customer does not exist.", "Preferencias guardadas.": "Preferences saved.",
    # matrix
    "Matriz de orquestación": "Orchestration matrix",
    "Qué canales se usan en cada fase del servicio y con qué plantilla.":
        "Which channels each service phase uses, and with which template.",
    "Tipo de servicio": "Service type", "Destinatario": "Recipient",
    "Global (todos los talleres)": "Global (all workshops)",
    "Todavía no hay tipos de servicio. Cárguelos con la sincronización o la importación.":
        "There are no service types yet. Load them through sync or import.",
    "No hay configuración para esta selección": "There is no configuration for this selection",
    "Este taller usa la configuración global. Cree una propia para cambiarla solo aquí.":
        "This workshop uses the global configuration. Create its own to change it here only.",
    "Sin configuración, las fases de este tipo de servicio no envían avisos.":
        "Without a configuration, this service type's phases send no notifications.",
    "Copiar desde global": "Copy from global", "Crear configuración vacía": "Create an empty configuration",
    "Propia de %(name)s": "Own configuration of %(name)s", "Configuración global": "Global configuration",
    "Inicializar fases": "Initialise phases", "No hay fases activas.": "There are no active phases.",
    "Fase": "Phase", "Apagado": "Off", "Plantilla": "Template",
    "Automática (la más específica)": "Automatic (the most specific)",
    "Sin plantillas para esta celda": "No templates for this cell", "Guardar matriz": "Save matrix",
    "Hay cambios sin guardar.": "There are unsaved changes.",
    "Solo un administrador puede cambiar la matriz.": "Only an administrator can change the matrix.",
    "Fase desconocida.": "Unknown phase.", "La plantilla es de otra fase.": "The template is for another phase.",
    "La plantilla no existe.": "The template does not exist.",
    "La plantilla no corresponde a este tipo de servicio, destinatario, fase o canal.":
        "The template does not match this service type, recipient, phase or channel.",
    "La configuración ya no existe.": "The configuration no longer exists.",
    "No se guardó ningún cambio: revise las celdas marcadas.": "Nothing was saved: check the marked cells.",
    "Matriz guardada.": "Matrix saved.",
    "Fases inicializadas: %(count)s celdas nuevas (apagadas).": "Phases initialised: %(count)s new cells (off).",
    "No se pudo copiar: falta la configuración global o el taller ya tiene la suya.":
        "Could not copy: the global configuration is missing or the workshop already has its own.",
    "Configuración global copiada para este taller.": "Global configuration copied for this workshop.",
    "No se pudo crear la configuración.": "Could not create the configuration.",
    "Configuración creada con todas las fases apagadas.": "Configuration created with every phase off.",
    # templates
    "Plantillas": "Templates", "Vista previa": "Preview",
    "Con valores de ejemplo; se actualiza mientras escribe.": "With sample values; updates as you type.",
    "HTML del email": "Email HTML", "caracteres": "characters", "bytes de notificación push": "push payload bytes",
    "Variables disponibles": "Available variables", "Variable": "Variable", "Descripción": "Description",
    "Ejemplo": "Example", "Insertar en el texto": "Insert into the text", "automática": "automatic",
    "Email de destino": "Destination email", "Número de WhatsApp": "WhatsApp number",
    "ID de cliente con suscripción push": "Customer ID with a push subscription", "Enviar prueba": "Send test",
    "Se envía la versión guardada con valores de ejemplo.": "The saved version is sent with sample values.",
    "Duplicar plantilla": "Duplicate template", "Variables desconocidas": "Unknown variables",
    "El asunto es demasiado largo": "The subject is too long",
    "El texto supera el máximo de WhatsApp": "The text exceeds WhatsApp's maximum",
    "La notificación push supera el tamaño máximo y se recortará":
        "The push notification exceeds the maximum size and will be cut",
    "El título push es largo: el navegador lo cortará": "The push title is long: browsers will cut it",
    "El texto push es largo: el navegador lo cortará": "The push text is long: browsers will cut it",
    "Subtipo": "Subtype", "Evento": "Event", "Asunto / título": "Subject / title", "Texto": "Text",
    "HTML del email (opcional)": "Email HTML (optional)",
    "Solo para plantillas de evento, p. ej. maintenance_reminder.": "Event templates only, e.g. maintenance_reminder.",
    "Déjelo vacío para construir el HTML a partir del texto.": "Leave empty to build the HTML from the text.",
    "Global (sin taller)": "Global (no workshop)", "(copia)": "(copy)",
    "Plantilla duplicada. La copia está inactiva hasta que la revise.":
        "Template duplicated. The copy stays inactive until you review it.",
    "Prueba enviada a %(address)s.": "Test sent to %(address)s.",
    "La prueba falló: %(code)s %(detail)s": "The test failed: %(code)s %(detail)s", "Duplicar": "Duplicate",
    "¿Duplicar las plantillas seleccionadas?": "Duplicate the selected templates?",
    "%(count)s plantilla(s) duplicadas (inactivas).": "%(count)s template(s) duplicated (inactive).",
    "Indique una fase o un tipo de evento.": "Give a phase or an event type.",
    "El subtipo debe pertenecer al tipo de servicio elegido.": "The subtype must belong to the chosen service type.",
    "Los emails necesitan un asunto.": "Emails need a subject.",
    "El texto de WhatsApp tiene %(length)s caracteres; el máximo es %(max)s.":
        "The WhatsApp text has %(length)s characters; the maximum is %(max)s.",
    "Indique una dirección para la prueba.": "Give an address for the test.",
    "La dirección de email no es válida.": "The email address is not valid.",
    "El número de WhatsApp solo admite dígitos y un + inicial.": "A WhatsApp number takes digits and a leading + only.",
    # vehicles and reminders
    "Marca": "Make", "Modelo": "Model", "Año": "Year", "Kilometraje actual": "Current mileage",
    "Próximo servicio (km)": "Next service (km)", "Último servicio": "Last service", "Imagen (URL)": "Image (URL)",
    "Año no válido.": "Invalid year.", "No puede ser negativo.": "Cannot be negative.",
    "Apellido del cliente": "Customer's last name", "La placa es obligatoria.": "The plate is required.",
    "Ya existe un vehículo con esa placa.": "A vehicle with that plate already exists.",
    "Fecha límite": "Due date", "Kilometraje límite": "Due mileage", "Último aviso": "Last notice",
    "Avisar días antes": "Notify days before", "Avisar km antes": "Notify km before",
    "Avisos enviados": "Notices sent", "Entre 0 y 365 días.": "Between 0 and 365 days.",
    "Entre 0 y 100.000 km.": "Between 0 and 100,000 km.",
    "Este vehículo no tiene cliente: asígnelo primero.": "This vehicle has no customer: assign one first.",
    "Indique una fecha límite, un kilometraje límite o ambos.": "Give a due date, a due mileage or both.",
    "Marcar completado": "Mark completed", "Cancelar": "Cancel", "Notificar ahora": "Notify now",
    "¿Marcar los recordatorios seleccionados como completados?": "Mark the selected reminders as completed?",
    "%(count)s recordatorio(s) marcados como completados.": "%(count)s reminder(s) marked as completed.",
    "¿Cancelar los recordatorios seleccionados?": "Cancel the selected reminders?",
    "%(count)s recordatorio(s) cancelados.": "%(count)s reminder(s) cancelled.",
    "El recordatorio no existe.": "The reminder does not exist.",
    "Recordatorio marcado como completado.": "Reminder marked as completed.",
    "Recordatorio cancelado.": "Reminder cancelled.", "Acción desconocida.": "Unknown action.",
    "Aviso enviado a la cola de envío.": "Notice queued for sending.",
    "El recordatorio está cerrado (completado o cancelado).": "The reminder is closed (completed or cancelled).",
    "No se envió: el cliente no tiene un canal utilizable o no hay plantilla.":
        "Not sent: the customer has no usable channel or there is no template.",
    "No se pudo enviar el aviso (%(detail)s).": "The notice could not be sent (%(detail)s).",
    # workshops and providers
    "Talleres y canales": "Workshops and channels", "Proveedores de envío": "Delivery providers",
    "Configurado": "Configured", "Sin configurar": "Not configured", "Probar conexión": "Test connection",
    "claves VAPID presentes": "VAPID keys present", "sin claves VAPID": "no VAPID keys", "Código": "Code",
    "Dirección": "Address", "Email del personal": "Staff email", "WhatsApp del personal": "Staff WhatsApp",
    "Solo minúsculas, números, - y _.": "Lower-case letters, digits, - and _ only.",
    "Ya existe un taller con ese código.": "A workshop with that code already exists.",
    "Canal desconocido.": "Unknown channel.",
    "%(channel)s: conexión correcta. %(detail)s": "%(channel)s: connection OK. %(detail)s",
    "%(channel)s: la prueba falló. %(detail)s": "%(channel)s: the test failed. %(detail)s",
}  # fmt: skip

PO = Path(__file__).resolve().parent / "en" / "LC_MESSAGES" / "messages.po"


def main() -> None:
    with PO.open("rb") as handle:
        catalog = read_po(handle, locale="en")
    filled = 0
    for message in catalog:
        if message.id and not message.string and message.id in EN:
            message.string = EN[message.id]
            filled += 1
    with PO.open("wb") as handle:
        write_po(handle, catalog, width=110)
    print(f"filled {filled} entries")


if __name__ == "__main__":
    main()
