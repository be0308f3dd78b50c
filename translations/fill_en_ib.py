"""English for the data pages, used by fill_en.py (which fills only empty entries)."""

EN = {
    # Importar / exportar
    "Importar / exportar": "Import / export", "Notificaciones": "Notifications", "Recordatorios": "Reminders",
    "Vehículos": "Vehicles", "Clientes": "Customers",
    "Elija qué importar y un archivo CSV.": "Choose what to import and a CSV file.",
    "No se pudo leer el archivo: %(error)s": "The file could not be read: %(error)s",
    "La vista previa caducó; suba el archivo otra vez.": "The preview expired; upload the file again.",
    "Importar un archivo CSV": "Import a CSV file", "Qué importar": "What to import",
    'Archivo CSV (UTF-8, separado por ";" o ",")': 'CSV file (UTF-8, separated by ";" or ",")',
    "Importar las filas válidas aunque otras tengan errores": "Import the valid rows even if others have errors",
    "Revisar": "Review",
    "Nada se guarda hasta que confirme en la vista previa. Para archivos grandes use «flask import».":
        "Nothing is saved until you confirm in the preview. For large files use “flask import”.",
    "Columnas de cada formato": "Columns of each format",
    "* obligatoria. Una columna ausente conserva el valor guardado; una celda vacía lo borra. "
    "Fechas AAAA-MM-DD o DD/MM/AAAA.":
        "* required. A missing column keeps the stored value; an empty cell clears it. "
        "Dates YYYY-MM-DD or DD/MM/YYYY.",
    "Exportar a CSV": "Export to CSV", "Separador": "Separator", "Coma (,)": "Comma (,)",
    "Punto y coma (;) — Excel en español": "Semicolon (;) — Excel in Spanish", "Con BOM (Excel)": "With BOM (Excel)",
    "Filtros de notificaciones": "Notification filters", "Desde": "From", "Hasta": "To", "Estado": "Status",
    "Todos": "All", "Canal": "Channel", "Exportar %(what)s": "Export %(what)s", "Errores (%(n)s)": "Errors (%(n)s)",
    "Línea": "Line", "Columna": "Column", "Problema": "Problem", "… y %(n)s más.": "… and %(n)s more.",
    "Archivo «%(name)s»: %(n)s filas de %(what)s, separador «%(sep)s».":
        "File “%(name)s”: %(n)s rows of %(what)s, separator “%(sep)s”.",
    "Nuevas: %(n)s": "New: %(n)s", "Actualizadas: %(n)s": "Updated: %(n)s",
    "Versión antigua, sin cambios: %(n)s": "Older version, unchanged: %(n)s", "Rechazadas: %(n)s": "Rejected: %(n)s",
    "Primeras filas": "First rows", "Confirmar e importar": "Confirm and import", "Cancelar": "Cancel",
    "Corrija los errores y suba el archivo otra vez, o marque «Importar las filas válidas».":
        "Fix the errors and upload the file again, or tick “Import the valid rows”.",
    "Importación completada: %(c)s nuevas, %(u)s actualizadas, %(s)s sin cambios por versión antigua, "
    "%(r)s rechazadas.":
        "Import complete: %(c)s new, %(u)s updated, %(s)s unchanged (older version), %(r)s rejected.",
    "No se guardó nada.": "Nothing was saved.", "Importar otro archivo": "Import another file",
    # Fuentes de datos
    "Fuentes de datos": "Data sources", "Nombre": "Name", "URL de conexión (SQLAlchemy)": "Connection URL (SQLAlchemy)",
    "Tabla de clientes": "Customers table", "Columnas de clientes (campo = columna)": "Customer columns (field = column)",
    "Tabla de vehículos": "Vehicles table", "Columnas de vehículos (campo = columna)": "Vehicle columns (field = column)",
    "Intervalo (minutos)": "Interval (minutes)", "Filas por lote": "Rows per batch", "Activa": "Active",
    "Inactiva": "Inactive", "Fuente guardada.": "Source saved.",
    "No se puede descifrar la URL guardada; vuelva a escribirla.":
        "The stored URL cannot be decrypted; enter it again.",
    "Conexión correcta: las tablas y columnas existen.": "Connection OK: the tables and columns exist.",
    "Sincronización solicitada; el resultado aparecerá en el historial.":
        "Sync requested; the result will appear in the history.",
    "No se pudo encolar la sincronización; inténtelo de nuevo.": "The sync could not be queued; try again.",
    "Marcas reiniciadas: la próxima sincronización leerá todas las filas.":
        "Watermarks reset: the next sync will read every row.",
    "Fuente eliminada.": "Source deleted.", "Editar": "Edit", "Probar conexión": "Test connection",
    "Sincronizar ahora": "Sync now", "Reiniciar marcas": "Reset watermarks",
    "¿Leer de nuevo todas las filas en la próxima sincronización?": "Read every row again in the next sync?",
    "Eliminar": "Delete", "¿Eliminar esta fuente y su historial?": "Delete this source and its history?",
    "Base de datos": "Database", "Tabla %(e)s": "Table %(e)s", "Marca:": "Watermark:", "clave": "key",
    "ninguna (se leerán todas las filas)": "none (every row will be read)", "Intervalo": "Interval",
    "%(n)s min, lotes de %(b)s filas": "%(n)s min, batches of %(b)s rows", "Próxima ejecución": "Next run",
    "Historial": "History", "Todavía no se ha ejecutado": "Not run yet", "Inicio": "Start", "Origen": "Trigger",
    "Leídas": "Read", "Guardadas": "Saved", "Rechazadas": "Rejected", "Duración": "Duration", "Detalle": "Detail",
    "manual": "manual", "programada": "scheduled",
    "Guardada: %(s)s. Déjela vacía para conservarla; la URL nunca se vuelve a mostrar.":
        "Stored: %(s)s. Leave it empty to keep it; the URL is never shown again.",
    "Por ejemplo postgresql://lector:clave@db.cliente.com:5432/taller (también mysql+pymysql://, "
    "mssql+pyodbc://, sqlite:///). Use una cuenta de solo lectura; se guarda cifrada y no se vuelve a mostrar.":
        "For example postgresql://reader:password@db.client.com:5432/workshop (also mysql+pymysql://, "
        "mssql+pyodbc://, sqlite:///). Use a read-only account; it is stored encrypted and never shown again.",
    "Puede incluir el esquema: esquema.tabla": "May include the schema: schema.table",
    "Campos: customer_id, name o first_name/last_name, email, phone, whatsapp, updated_at.":
        "Fields: customer_id, name or first_name/last_name, email, phone, whatsapp, updated_at.",
    "Vacía: no se sincronizan vehículos": "Empty: vehicles are not synced",
    "Campos: plate, customer_id, brand, model, year, current_kilometers, last_service_date, "
    "next_service_kilometers, image_url, updated_at.":
        "Fields: plate, customer_id, brand, model, year, current_kilometers, last_service_date, "
        "next_service_kilometers, image_url, updated_at.",
    "Guardar": "Save", "Nueva fuente": "New source", "Sin fuentes de datos": "No data sources",
    "Conecte la base de datos de un cliente (solo lectura) para traer clientes y vehículos periódicamente.":
        "Connect a client's database (read-only) to bring in customers and vehicles periodically.",
    "Tablas": "Tables", "Cada": "Every", "Última ejecución": "Last run", "Próxima": "Next",
    "%(n)s min": "%(n)s min", "Sí": "Yes", "No": "No",
}  # fmt: skip
