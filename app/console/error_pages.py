"""The console's styled error pages (403, 404, 500 ...) in the console's language."""

from __future__ import annotations

from flask import render_template

from app.console.i18n import gettext as _


def _texts(status: int) -> tuple[str, str]:
    pages = {
        400: (_("Petición no válida"), _("La página recibió datos que no puede usar. Vuelva atrás e inténtelo otra vez.")),
        401: (_("Debe iniciar sesión"), _("Inicie sesión para continuar.")),
        403: (_("No tiene permiso"), _("Su rol no permite ver esta página o hacer este cambio. Si lo necesita, pida a un administrador que cambie su rol en Usuarios.")),
        404: (_("Página no encontrada"), _("La dirección no existe o el registro fue eliminado.")),
        405: (_("Acción no permitida"), _("Esta dirección no admite esa acción. Vuelva atrás y use los botones de la página.")),
        413: (_("Archivo demasiado grande"), _("El archivo supera el tamaño permitido.")),
        429: (_("Demasiados intentos"), _("Espere un momento antes de intentarlo otra vez.")),
        503: (_("Servicio no disponible"), _("La base de datos no responde; reintente en unos segundos.")),
    }
    return pages.get(status, (_("Error del servidor"), _("Algo falló de nuestro lado; el error quedó registrado para el equipo técnico. Inténtelo otra vez en un momento.")))


def render_error_page(status: int) -> str:
    title, text = _texts(status)
    return render_template("console/error.html", status=status, title=title, text=text)
