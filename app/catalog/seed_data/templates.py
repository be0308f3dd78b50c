"""Default notification templates, in Spanish, as a workshop in Ecuador would send them.

Client and staff templates are built from per-phase frames (greeting, links, sign-off and the
sentence shape every service type shares) filled with per-type phrases, so a maintenance, a collision
repair and an appraisal ("avalúo") each read naturally. Frames and phrases use two kinds of
placeholder:

- `{{Variable}}`: left in the stored template, filled when a notification is rendered;
- `<slot>`: replaced here, at build time, by the service type's phrase of that name (phrases may
  contain further slots, e.g. `<service>`).

Phase templates only need the variables a core system naturally sends at that phase
(PHASE_VARIABLES) plus the ones Avisos always fills (Fase, Taller, Servicio, Enlace), so a normal
dispatch never fails with missing variables. The order number and the technician are sent by some
callers only (the Ambacar PWA may omit both), so templates use them with a default
(`{{Orden|por asignar}}`, `{{Técnico|asignado}}`). Note that {{Servicio}} is the subtype's name when the
event names a subtype ("Frenos"), so client texts name the service in words instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.catalog.seed_data.catalog import PHASES, SERVICE_TYPES, SUBTYPES
from app.channels import CHANNEL_LABELS
from app.orchestration.planning import APPOINTMENT_REMINDER, REMINDER_EVENT

AVISOS_VARIABLES = frozenset({"Fase", "Taller", "Servicio", "Enlace"})
PHASE_VARIABLES: dict[str, frozenset[str]] = {
    "phase-schedule": frozenset({"Nombre", "Placa", "Vehículo", "Fecha", "Hora"}),
    "phase-reception": frozenset({"Nombre", "Placa", "Vehículo"}),
    "phase-repair": frozenset({"Nombre", "Placa", "Vehículo"}),
    "phase-quality": frozenset({"Nombre", "Placa", "Vehículo"}),
    "phase-delivery": frozenset({"Nombre", "Placa", "Vehículo"}),
}
# Avisos fills every one of these for maintenance reminders (app/records/reminder_check.py).
REMINDER_VARIABLES = frozenset({"Nombre", "Placa", "Vehículo", "Servicio", "Fecha", "Kilometraje", "Taller", "Enlace"})

TARGET_SUFFIX = {"clients": "cliente", "staff": "personal"}


@dataclass(frozen=True)
class TemplateSeed:
    """One global template; slugs are resolved to ids when seeding."""

    name: str
    channel: str
    target: str
    subject: str
    body: str
    service_type: str | None = None
    subtype: str | None = None
    phase: str | None = None
    event_type: str | None = None

    @property
    def key(self) -> tuple:
        """The natural key (besides the name): what the planner matches on."""
        return (self.channel, self.target, self.service_type, self.subtype, self.phase, self.event_type)


@dataclass(frozen=True)
class Frame:
    subject: str
    body: str


# ---------------------------------------------------------------------------------------------------
# Client frames: phase -> channel -> frame. Email bodies are paragraphs separated by blank lines.

EMAIL_CLOSE = "Siga su servicio en: {{Enlace}}\n\nAtentamente,\n{{Taller}}"
GREETING_EMAIL = "Estimado(a) {{Nombre}}:"
GREETING_CHAT = "Hola, {{Nombre}}."

CLIENT_FRAMES: dict[str, dict[str, Frame]] = {
    "phase-schedule": {
        "email": Frame(
            "Cita agendada: <title> de su {{Vehículo}}",
            f"{GREETING_EMAIL}\n\n"
            "Su cita en {{Taller}} para <service> de su {{Vehículo}}, placa {{Placa}}, quedó agendada "
            "para el {{Fecha}} a las {{Hora}}.\n\n"
            "<schedule_tip>\n\n"
            "Si necesita cambiar la fecha o la hora, comuníquese con nosotros con anticipación.\n\n"
            f"{EMAIL_CLOSE}",
        ),
        "whatsapp": Frame(
            "",
            f"{GREETING_CHAT} Su cita en {{{{Taller}}}} para <service> de su {{{{Vehículo}}}} (placa {{{{Placa}}}}) "
            "quedó agendada para el {{Fecha}} a las {{Hora}}.\n"
            "<schedule_tip_short>\n"
            "Siga su servicio en: {{Enlace}}",
        ),
        "push": Frame(
            "Cita agendada: <title>",
            "Le esperamos el {{Fecha}} a las {{Hora}} con su {{Vehículo}} ({{Placa}}).",
        ),
    },
    "phase-reception": {
        "email": Frame(
            "Recibimos su {{Vehículo}} ({{Placa}})",
            f"{GREETING_EMAIL}\n\n"
            "Recibimos su {{Vehículo}}, placa {{Placa}}, para <service>. Orden de trabajo: "
            "{{Orden|por asignar}}; téngala a mano si necesita comunicarse con nosotros.\n\n"
            "<reception_next>\n\n"
            f"{EMAIL_CLOSE}",
        ),
        "whatsapp": Frame(
            "",
            f"{GREETING_CHAT} Recibimos su {{{{Vehículo}}}} (placa {{{{Placa}}}}) para <service>. "
            "Orden de trabajo: {{Orden|por asignar}}.\n"
            "<reception_next_short>\n"
            "Siga su servicio en: {{Enlace}}",
        ),
        "push": Frame(
            "Vehículo recibido",
            "Recibimos su {{Vehículo}} ({{Placa}}) para <service>. Orden: {{Orden|por asignar}}.",
        ),
    },
    "phase-repair": {
        "email": Frame(
            "Su {{Vehículo}} está <repair_state>",
            f"{GREETING_EMAIL}\n\n<repair_main>\n\n<repair_detail>\n\n{EMAIL_CLOSE}",
        ),
        "whatsapp": Frame("", f"{GREETING_CHAT} <repair_main>\n<repair_short>\nSiga su servicio en: {{{{Enlace}}}}"),
        "push": Frame("<repair_title>", "<repair_push>"),
    },
    "phase-quality": {
        "email": Frame(
            "<quality_subject>",
            f"{GREETING_EMAIL}\n\n<quality_main>\n\n<quality_detail>\n\n{EMAIL_CLOSE}",
        ),
        "whatsapp": Frame("", f"{GREETING_CHAT} <quality_main>\n<quality_short>\nSiga su servicio en: {{{{Enlace}}}}"),
        "push": Frame("Control de calidad", "<quality_push>"),
    },
    "phase-delivery": {
        "email": Frame(
            "<delivery_subject>",
            f"{GREETING_EMAIL}\n\n<delivery_main>\n\n<delivery_detail>\n\n"
            "Gracias por confiar en {{Taller}}.\n\n"
            f"{EMAIL_CLOSE}",
        ),
        "whatsapp": Frame(
            "",
            f"{GREETING_CHAT} <delivery_main>\n<delivery_short>\n"
            "Gracias por confiar en {{Taller}}. Siga su servicio en: {{Enlace}}",
        ),
        "push": Frame("<delivery_title>", "<delivery_push>"),
    },
}

# ---------------------------------------------------------------------------------------------------
# Staff frames: phase -> channel -> frame. Short, factual, one line of context per service type.

STAFF_CLOSE = "Ver detalle: {{Enlace}}\n\nMensaje automático de Avisos para {{Taller}}."

STAFF_FRAMES: dict[str, dict[str, Frame]] = {
    "phase-schedule": {
        "email": Frame(
            "Nueva cita: {{Placa}} - <title>",
            "Nueva cita agendada: {{Placa}} ({{Vehículo}}) de {{Nombre}} para el {{Fecha}} a las {{Hora}}.\n\n"
            f"Servicio: {{{{Servicio}}}}\n\n<staff_schedule>\n\n{STAFF_CLOSE}",
        ),
        "whatsapp": Frame(
            "",
            "Nueva cita agendada: {{Placa}} ({{Vehículo}}) de {{Nombre}} para el {{Fecha}} a las {{Hora}}. "
            "Servicio: {{Servicio}}.\n<staff_schedule>",
        ),
    },
    "phase-reception": {
        "email": Frame(
            "Vehículo recibido: {{Placa}} - Orden {{Orden|por asignar}}",
            "Vehículo recibido: {{Placa}} ({{Vehículo}}) de {{Nombre}}, orden {{Orden|por asignar}}.\n\n"
            f"Servicio: {{{{Servicio}}}}\n\n<staff_reception>\n\n{STAFF_CLOSE}",
        ),
    },
    "phase-repair": {
        "email": Frame(
            "<staff_repair_title>: {{Placa}}",
            "<staff_repair_title>: {{Placa}} ({{Vehículo}}) de {{Nombre}}. Técnico asignado: {{Técnico|por asignar}}.\n\n"
            f"Servicio: {{{{Servicio}}}}\n\n<staff_repair>\n\n{STAFF_CLOSE}",
        ),
    },
    "phase-quality": {
        "email": Frame(
            "Control de calidad: {{Placa}}",
            "Listo para control de calidad: {{Placa}} ({{Vehículo}}) de {{Nombre}}.\n\n"
            f"Servicio: {{{{Servicio}}}}\n\n<staff_quality>\n\n{STAFF_CLOSE}",
        ),
        "whatsapp": Frame(
            "",
            "Listo para control de calidad: {{Placa}} ({{Vehículo}}) de {{Nombre}}. Servicio: {{Servicio}}.\n"
            "<staff_quality>",
        ),
    },
    "phase-delivery": {
        "email": Frame(
            "<staff_delivery_title>: {{Placa}}",
            "<staff_delivery_title>: {{Placa}} ({{Vehículo}}) de {{Nombre}}.\n\n"
            f"Servicio: {{{{Servicio}}}}\n\n<staff_delivery>\n\n{STAFF_CLOSE}",
        ),
    },
}

# ---------------------------------------------------------------------------------------------------
# Per-type phrases. Workshop jobs (maintenance, breakdown, collision) share a base; both appraisal
# types share another, because for them the "repair" phase is the inspection itself and the
# "delivery" is the appraisal report.

WORKSHOP_BASE: dict[str, str] = {
    "quality_subject": "Su {{Vehículo}} está en control de calidad",
    "delivery_subject": "Su {{Vehículo}} está listo para retirar",
    "delivery_title": "Su vehículo está listo",
    "delivery_push": "Su {{Vehículo}} ({{Placa}}) ya puede retirarse en {{Taller}}.",
    "staff_delivery_title": "Listo para entrega",
}

APPRAISAL_BASE: dict[str, str] = {
    "service": "el <appraisal>",
    "schedule_tip": (
        "Para el avalúo le pedimos traer la matrícula del vehículo y, si los tiene, los registros de "
        "mantenimiento; con ellos la valoración es más precisa."
    ),
    "schedule_tip_short": "Le pedimos traer la matrícula y, si los tiene, los registros de mantenimiento.",
    "reception_next": (
        "Nuestro perito revisará el estado mecánico, la carrocería, el interior y la documentación del "
        "vehículo para preparar el informe de <appraisal>."
    ),
    "reception_next_short": "Le avisaremos cuando comience la inspección.",
    "repair_state": "en inspección para el <appraisal>",
    "repair_main": (
        "Nuestro perito {{Técnico|asignado}} está realizando la inspección de su {{Vehículo}}, placa {{Placa}}, "
        "para el <appraisal>."
    ),
    "repair_detail": (
        "La inspección incluye la revisión mecánica, de carrocería e interior, y la verificación de la "
        "documentación. Con esa información preparamos el informe de avalúo."
    ),
    "repair_short": "Le avisaremos cuando el informe de avalúo esté listo.",
    "repair_title": "Inspección de avalúo en curso",
    "repair_push": "{{Técnico|Nuestro perito}} está realizando la inspección de su {{Vehículo}} ({{Placa}}) para el avalúo.",
    "quality_subject": "Estamos revisando el informe de avalúo de su {{Vehículo}}",
    "quality_main": (
        "Terminamos la inspección de su {{Vehículo}}, placa {{Placa}}, y estamos revisando el informe "
        "de <appraisal> antes de entregárselo."
    ),
    "quality_detail": "Verificamos cada dato del informe para que la valoración de su vehículo sea precisa.",
    "quality_short": "Le avisaremos en cuanto el informe esté listo.",
    "quality_push": "Estamos revisando el informe de avalúo de su {{Vehículo}} ({{Placa}}).",
    "delivery_subject": "El informe de <appraisal> de su {{Vehículo}} está listo",
    "delivery_main": "El <appraisal> de su {{Vehículo}}, placa {{Placa}}, está listo.",
    "delivery_detail": (
        "Puede retirar su vehículo y el informe de avalúo en nuestro taller; con gusto le explicaremos "
        "el resultado y resolveremos sus dudas."
    ),
    "delivery_short": "Puede retirar su vehículo y el informe en nuestro taller.",
    "delivery_title": "Su avalúo está listo",
    "delivery_push": "El informe de avalúo de su {{Vehículo}} ({{Placa}}) está listo en {{Taller}}.",
    "staff_schedule": "Asigne un perito para la inspección.",
    "staff_reception": "Verifique la matrícula y los documentos del vehículo antes de iniciar la inspección.",
    "staff_repair_title": "Inspección de avalúo iniciada",
    "staff_repair": "Registre en el informe el estado mecánico, de carrocería e interior, con fotografías.",
    "staff_quality": "Valide el informe de avalúo antes de entregarlo al cliente.",
    "staff_delivery_title": "Avalúo listo para entrega",
    "staff_delivery": "Entregue el informe de avalúo y resuelva las dudas del cliente sobre la valoración.",
}

TYPE_PHRASES: dict[str, dict[str, str]] = {
    "mantenimiento-preventivo": {
        **WORKSHOP_BASE,
        "title": "Mantenimiento preventivo",
        "service": "el mantenimiento preventivo",
        "schedule_tip": (
            "Le recomendamos traer la matrícula y el manual de mantenimiento del vehículo, y llegar unos "
            "minutos antes para agilizar la recepción."
        ),
        "schedule_tip_short": "Le recomendamos llegar unos minutos antes para agilizar la recepción.",
        "reception_next": (
            "Nuestro equipo realizará los trabajos que corresponden al kilometraje de su vehículo según el "
            "plan del fabricante. Si encontramos algo adicional que requiera atención, le consultaremos "
            "antes de realizar cualquier trabajo."
        ),
        "reception_next_short": "Le avisaremos cuando comience el mantenimiento.",
        "repair_state": "en mantenimiento",
        "repair_main": (
            "Nuestro técnico {{Técnico|asignado}} comenzó el mantenimiento preventivo de su {{Vehículo}}, placa {{Placa}}."
        ),
        "repair_detail": (
            "El mantenimiento incluye los cambios y revisiones que corresponden al kilometraje de su "
            "vehículo. Si detectamos algún desgaste que convenga atender, le informaremos antes de proceder."
        ),
        "repair_short": "Si detectamos algo adicional, le consultaremos antes de proceder.",
        "repair_title": "Mantenimiento en curso",
        "repair_push": "{{Técnico|Nuestro técnico}} está realizando el mantenimiento de su {{Vehículo}} ({{Placa}}).",
        "quality_main": (
            "Terminamos el mantenimiento preventivo de su {{Vehículo}}, placa {{Placa}}, y ahora lo estamos "
            "pasando por nuestro control de calidad."
        ),
        "quality_detail": "Verificamos niveles, ajustes y el funcionamiento general del vehículo antes de entregárselo.",
        "quality_short": "Le avisaremos en cuanto esté listo para retirar.",
        "quality_push": "Su {{Vehículo}} ({{Placa}}) está en control de calidad. Pronto estará listo.",
        "delivery_main": (
            "Su {{Vehículo}}, placa {{Placa}}, está listo para retirar. El mantenimiento preventivo quedó terminado."
        ),
        "delivery_detail": (
            "Al retirarlo le explicaremos los trabajos realizados y le indicaremos cuándo corresponde su "
            "próximo mantenimiento."
        ),
        "delivery_short": "Al retirarlo le indicaremos cuándo corresponde su próximo mantenimiento.",
        "staff_schedule": "Verifique la disponibilidad de filtros, aceite y repuestos según el plan de mantenimiento.",
        "staff_reception": "Registre el kilometraje de ingreso en la orden y asigne un técnico.",
        "staff_repair_title": "Mantenimiento iniciado",
        "staff_repair": "Informe al asesor cualquier trabajo adicional antes de realizarlo.",
        "staff_quality": "Verifique niveles, ajuste de ruedas y limpieza del vehículo antes de la entrega.",
        "staff_delivery": "Coordine la entrega con el cliente y tenga lista la factura con el detalle de trabajos.",
    },
    "averia-revision": {
        **WORKSHOP_BASE,
        "title": "Revisión",
        "service": "la revisión",
        "schedule_tip": (
            "Si puede, anote cuándo aparece la falla (ruidos, vibraciones, alertas en el tablero); esa "
            "información ayuda a nuestros técnicos a encontrar la causa más rápido."
        ),
        "schedule_tip_short": "Si puede, anote cuándo aparece la falla; nos ayuda a encontrar la causa más rápido.",
        "reception_next": (
            "Un técnico empezará con el diagnóstico para identificar la causa de la falla. Antes de hacer "
            "cualquier reparación le enviaremos el detalle y el presupuesto para su aprobación."
        ),
        "reception_next_short": "Antes de cualquier reparación le enviaremos el presupuesto para su aprobación.",
        "repair_state": "en reparación",
        "repair_main": (
            "Nuestro técnico {{Técnico|asignado}} está trabajando en su {{Vehículo}}, placa {{Placa}}, para "
            "diagnosticar y corregir la falla."
        ),
        "repair_detail": (
            "Si hace falta reemplazar piezas, le enviaremos el presupuesto; no haremos ningún trabajo "
            "adicional sin su autorización."
        ),
        "repair_short": "No haremos ningún trabajo adicional sin su autorización.",
        "repair_title": "Reparación en curso",
        "repair_push": "{{Técnico|Nuestro técnico}} está trabajando en la reparación de su {{Vehículo}} ({{Placa}}).",
        "quality_main": (
            "Terminamos la reparación de su {{Vehículo}}, placa {{Placa}}, y ahora estamos comprobando que "
            "la falla quedó resuelta."
        ),
        "quality_detail": (
            "Realizamos una prueba de ruta y verificamos que no queden alertas en el tablero antes de "
            "entregarle el vehículo."
        ),
        "quality_short": "Le avisaremos en cuanto esté listo para retirar.",
        "quality_push": "Estamos comprobando la reparación de su {{Vehículo}} ({{Placa}}). Pronto estará listo.",
        "delivery_main": (
            "Su {{Vehículo}}, placa {{Placa}}, está listo para retirar. La reparación quedó terminada y verificada."
        ),
        "delivery_detail": "Al retirarlo le explicaremos el trabajo realizado y las piezas que reemplazamos.",
        "delivery_short": "Al retirarlo le explicaremos el trabajo realizado.",
        "staff_schedule": "Reserve un técnico para el diagnóstico inicial.",
        "staff_reception": "Registre en la orden los síntomas que describe el cliente.",
        "staff_repair_title": "Reparación iniciada",
        "staff_repair": "El presupuesto debe aprobarlo el cliente antes de cambiar cualquier pieza.",
        "staff_quality": "Realice la prueba de ruta y confirme que la falla reportada quedó resuelta.",
        "staff_delivery": "Explique el trabajo realizado y entregue las piezas reemplazadas si el cliente las solicita.",
    },
    "colision-pintura": {
        **WORKSHOP_BASE,
        "title": "Carrocería y pintura",
        "service": "la reparación de carrocería y pintura",
        "schedule_tip": (
            "Si el daño lo cubre su seguro, traiga el número de reclamo y los documentos de la aseguradora; "
            "así coordinamos la reparación directamente con ellos."
        ),
        "schedule_tip_short": "Si el daño lo cubre su seguro, traiga el número de reclamo de la aseguradora.",
        "reception_next": (
            "Registramos el estado del vehículo y los daños a reparar. Le enviaremos el presupuesto de "
            "carrocería y pintura; si el trabajo lo cubre una aseguradora, coordinaremos con ella la aprobación."
        ),
        "reception_next_short": "Le enviaremos el presupuesto de carrocería y pintura para su aprobación.",
        "repair_state": "en el área de carrocería y pintura",
        "repair_main": (
            "Comenzaron los trabajos de carrocería y pintura de su {{Vehículo}}, placa {{Placa}}, a cargo "
            "de nuestro técnico {{Técnico|asignado}}."
        ),
        "repair_detail": (
            "El proceso incluye la reparación de las piezas afectadas, la preparación de la superficie y la "
            "pintura. Los tiempos dependen del secado de cada capa; le mantendremos informado del avance."
        ),
        "repair_short": "Le mantendremos informado del avance.",
        "repair_title": "Carrocería y pintura en curso",
        "repair_push": "{{Técnico|Nuestro técnico}} está a cargo de la carrocería y pintura de su {{Vehículo}} ({{Placa}}).",
        "quality_main": (
            "Terminamos los trabajos de carrocería y pintura de su {{Vehículo}}, placa {{Placa}}, y estamos "
            "revisando los acabados."
        ),
        "quality_detail": (
            "Revisamos el tono de la pintura, el brillo y el ajuste de las piezas para asegurar un acabado uniforme."
        ),
        "quality_short": "Le avisaremos en cuanto esté listo para retirar.",
        "quality_push": "Estamos revisando los acabados de su {{Vehículo}} ({{Placa}}). Pronto estará listo.",
        "delivery_main": (
            "Su {{Vehículo}}, placa {{Placa}}, está listo para retirar. Los trabajos de carrocería y pintura "
            "quedaron terminados."
        ),
        "delivery_detail": (
            "Durante las primeras semanas le recomendamos no encerar el vehículo ni lavarlo con agua a "
            "presión, para proteger la pintura nueva."
        ),
        "delivery_short": "Durante las primeras semanas evite encerarlo o lavarlo con agua a presión.",
        "staff_schedule": "Confirme con el cliente si el trabajo lo cubre una aseguradora y qué documentos debe traer.",
        "staff_reception": "Registre en la orden las fotografías de los daños y el inventario del vehículo.",
        "staff_repair_title": "Carrocería y pintura iniciada",
        "staff_repair": "Reporte al asesor cualquier daño oculto que aparezca al desarmar.",
        "staff_quality": "Revise tono de pintura, brillo, ajuste de piezas y limpieza antes de la entrega.",
        "staff_delivery": "Si hay aseguradora, confirme que el trámite y el deducible estén cerrados antes de entregar.",
    },
    "avaluo-comercial": {
        **APPRAISAL_BASE,
        "title": "Avalúo comercial",
        "appraisal": "avalúo comercial",
    },
    "avaluo-mg": {
        **APPRAISAL_BASE,
        "title": "Avalúo MG",
        "appraisal": "avalúo MG",
    },
}

# ---------------------------------------------------------------------------------------------------
# Subtype templates: (subtype slug, phase, channel) -> frame. They win over the parent type's.

SUBTYPE_TEMPLATES: dict[tuple[str, str, str], Frame] = {
    ("averia-frenos", "phase-repair", "email"): Frame(
        "Revisión de frenos en curso: su {{Vehículo}}",
        f"{GREETING_EMAIL}\n\n"
        "Nuestro técnico {{Técnico|asignado}} está revisando el sistema de frenos de su {{Vehículo}}, placa {{Placa}}.\n\n"
        "La revisión incluye pastillas, discos, líquido de frenos y mangueras. Si alguna pieza necesita "
        "reemplazo, le enviaremos el presupuesto antes de cambiarla.\n\n"
        f"{EMAIL_CLOSE}",
    ),
    ("averia-frenos", "phase-repair", "whatsapp"): Frame(
        "",
        f"{GREETING_CHAT} Nuestro técnico {{{{Técnico|asignado}}}} está revisando los frenos de su {{{{Vehículo}}}} "
        "(placa {{Placa}}): pastillas, discos, líquido y mangueras.\n"
        "Si alguna pieza necesita reemplazo, le enviaremos el presupuesto antes de cambiarla.\n"
        "Siga su servicio en: {{Enlace}}",
    ),
    ("averia-diagnostico", "phase-repair", "email"): Frame(
        "Diagnóstico en curso: su {{Vehículo}}",
        f"{GREETING_EMAIL}\n\n"
        "Nuestro técnico {{Técnico|asignado}} está realizando el diagnóstico de su {{Vehículo}}, placa {{Placa}}, "
        "con escáner y pruebas de funcionamiento.\n\n"
        "Cuando tengamos el resultado le enviaremos el detalle de la falla y el presupuesto de reparación. "
        "No haremos ningún trabajo sin su autorización.\n\n"
        f"{EMAIL_CLOSE}",
    ),
    ("averia-diagnostico", "phase-repair", "whatsapp"): Frame(
        "",
        f"{GREETING_CHAT} Nuestro técnico {{{{Técnico|asignado}}}} está realizando el diagnóstico de su "
        "{{Vehículo}} (placa {{Placa}}).\n"
        "Le enviaremos el resultado y el presupuesto antes de hacer cualquier reparación.\n"
        "Siga su servicio en: {{Enlace}}",
    ),
    ("colision-siniestro", "phase-reception", "email"): Frame(
        "Recibimos su {{Vehículo}} ({{Placa}}) por siniestro",
        f"{GREETING_EMAIL}\n\n"
        "Recibimos su {{Vehículo}}, placa {{Placa}}, para la reparación del siniestro. Orden de trabajo: "
        "{{Orden|por asignar}}.\n\n"
        "Para continuar con el reclamo a su aseguradora necesitamos el número de reclamo y copias de la "
        "matrícula del vehículo y de su cédula. Coordinaremos con la aseguradora la inspección de los daños "
        "y la aprobación del presupuesto, y le informaremos apenas tengamos su respuesta.\n\n"
        "Si su póliza contempla un deducible, su valor se cancela al momento de la entrega.\n\n"
        f"{EMAIL_CLOSE}",
    ),
    ("colision-siniestro", "phase-reception", "whatsapp"): Frame(
        "",
        f"{GREETING_CHAT} Recibimos su {{{{Vehículo}}}} (placa {{{{Placa}}}}) por el siniestro reportado. "
        "Orden de trabajo: {{Orden|por asignar}}.\n"
        "Coordinaremos con su aseguradora la inspección y la aprobación del reclamo; le avisaremos apenas "
        "tengamos respuesta.\n"
        "Si aún no tenemos su número de reclamo, por favor compártalo con su asesor.",
    ),
}

# ---------------------------------------------------------------------------------------------------
# Maintenance reminders (event templates: no phase, no service type, so they serve every type).
# The date and the distance are laid out so the fallbacks Avisos uses when one is unknown
# ("la fecha indicada", "el kilometraje indicado") still read correctly.

REMINDER_TEMPLATES: dict[str, Frame] = {
    "email": Frame(
        "Recordatorio: {{Servicio}} de su {{Vehículo}}",
        f"{GREETING_EMAIL}\n\n"
        "Le recordamos que su {{Vehículo}}, placa {{Placa}}, tiene próximo su {{Servicio}}, que corresponde "
        "a la fecha o al kilometraje indicados, lo que ocurra primero:\n"
        "Fecha: {{Fecha}}\n"
        "Kilometraje: {{Kilometraje}}\n\n"
        "Realizar el mantenimiento a tiempo protege su vehículo, ayuda a conservar la garantía del "
        "fabricante y evita reparaciones más costosas.\n\n"
        "Para agendar su cita, ingrese a: {{Enlace}}\n\n"
        "Atentamente,\n{{Taller}}",
    ),
    "whatsapp": Frame(
        "",
        f"{GREETING_CHAT} Le recordamos que su {{{{Vehículo}}}} (placa {{{{Placa}}}}) tiene próximo su "
        "{{Servicio}}: {{Fecha}} o {{Kilometraje}}, lo que ocurra primero.\n"
        "Agende su cita en {{Taller}}: {{Enlace}}",
    ),
    "push": Frame(
        "Recordatorio de mantenimiento",
        "Su {{Vehículo}} ({{Placa}}) tiene próximo su {{Servicio}}: {{Fecha}} o {{Kilometraje}}.",
    ),
}

# The appointment reminder an orchestration config may schedule N hours before the appointment
# (docs/ORCHESTRATION.md, "Appointment reminders"): the phase-schedule event's variables.
APPOINTMENT_REMINDER_TEMPLATES: dict[str, Frame] = {
    "email": Frame(
        "Recordatorio de su cita en {{Taller}}",
        f"{GREETING_EMAIL}\n\n"
        "Le recordamos su cita para su {{Vehículo}}, placa {{Placa}}, el {{Fecha}} a las {{Hora}} en {{Taller}}.\n\n"
        "Si no puede asistir, por favor avísenos para reprogramarla: {{Enlace}}\n\n"
        "Atentamente,\n{{Taller}}",
    ),
    "whatsapp": Frame(
        "",
        f"{GREETING_CHAT} Le recordamos su cita para su {{{{Vehículo}}}} (placa {{{{Placa}}}}) el {{{{Fecha}}}} "
        "a las {{Hora}} en {{Taller}}.",
    ),
    "push": Frame("Recordatorio de cita", "Su cita: {{Fecha}} a las {{Hora}} en {{Taller}}."),
}

# ---------------------------------------------------------------------------------------------------
# Building

SLOT = re.compile(r"<([a-z_]+)>")


def fill(text: str, phrases: dict[str, str]) -> str:
    """Replace `<slot>`s (recursively: phrases may hold slots) and leave {{Variables}} alone."""
    for _ in range(5):  # phrases nest at most a couple of levels; the bound stops accidental cycles
        if not SLOT.search(text):
            return text
        text = SLOT.sub(lambda m: phrases[m.group(1)], text)
    raise ValueError(f"unresolved slots in: {text!r}")


def template_name(label: str, phase: str | None, channel: str, target: str) -> str:
    """Readable Spanish name, e.g. 'Mantenimiento Preventivo · Agendar Cita · WhatsApp (cliente)'."""
    parts = [label] + ([PHASE_NAMES[phase]] if phase else []) + [f"{CHANNEL_LABELS[channel]} ({TARGET_SUFFIX[target]})"]
    return " · ".join(parts)


PHASE_NAMES = {p.slug: p.name for p in PHASES}
TYPE_NAMES = {t.slug: t.name for t in (*SERVICE_TYPES, *SUBTYPES)}
SUBTYPE_PARENTS = {t.slug: t.parent_slug for t in SUBTYPES}


def _phase_templates(frames: dict[str, dict[str, Frame]], target: str) -> list[TemplateSeed]:
    seeds = []
    for stype in SERVICE_TYPES:
        phrases = TYPE_PHRASES[stype.slug]
        for phase in PHASES:
            for channel, frame in frames[phase.slug].items():
                seeds.append(TemplateSeed(
                    name=template_name(stype.name, phase.slug, channel, target), channel=channel, target=target,
                    subject=fill(frame.subject, phrases), body=fill(frame.body, phrases),
                    service_type=stype.slug, phase=phase.slug,
                ))
    return seeds


def client_templates() -> list[TemplateSeed]:
    """Every top-level type x phase x channel (email, WhatsApp, push)."""
    return _phase_templates(CLIENT_FRAMES, "clients")


def staff_templates() -> list[TemplateSeed]:
    """Email for every type x phase; WhatsApp for schedule and quality. Staff get no push."""
    return _phase_templates(STAFF_FRAMES, "staff")


def subtype_templates() -> list[TemplateSeed]:
    seeds = []
    for (subtype, phase, channel), frame in SUBTYPE_TEMPLATES.items():
        parent = SUBTYPE_PARENTS[subtype]
        label = f"{TYPE_NAMES[parent]} › {TYPE_NAMES[subtype]}"
        seeds.append(TemplateSeed(
            name=template_name(label, phase, channel, "clients"), channel=channel, target="clients",
            subject=frame.subject, body=frame.body, service_type=parent, subtype=subtype, phase=phase,
        ))
    return seeds


def reminder_templates() -> list[TemplateSeed]:
    return [
        TemplateSeed(
            name=template_name("Recordatorio de mantenimiento", None, channel, "clients"), channel=channel,
            target="clients", subject=frame.subject, body=frame.body, event_type=REMINDER_EVENT,
        )
        for channel, frame in REMINDER_TEMPLATES.items()
    ]


def appointment_reminder_templates() -> list[TemplateSeed]:
    return [
        TemplateSeed(
            name=template_name("Recordatorio de cita", None, channel, "clients"), channel=channel,
            target="clients", subject=frame.subject, body=frame.body, event_type=APPOINTMENT_REMINDER,
        )
        for channel, frame in APPOINTMENT_REMINDER_TEMPLATES.items()
    ]


def all_templates() -> list[TemplateSeed]:
    """Every default template. Names and natural keys are unique (checked by the tests)."""
    return [*client_templates(), *staff_templates(), *subtype_templates(), *reminder_templates(),
            *appointment_reminder_templates()]


# Variables some callers send and others omit: templates use them only with a default.
OPTIONAL_VARIABLES = frozenset({"Orden", "Técnico"})


def allowed_variables(seed: TemplateSeed) -> frozenset[str]:
    """The variables a template may need (without a default) so the caller's normal context renders it."""
    if seed.event_type == REMINDER_EVENT:
        return REMINDER_VARIABLES
    if seed.event_type == APPOINTMENT_REMINDER:
        return PHASE_VARIABLES["phase-schedule"] | AVISOS_VARIABLES
    return PHASE_VARIABLES[seed.phase] | AVISOS_VARIABLES
