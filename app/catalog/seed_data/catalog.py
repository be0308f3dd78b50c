"""The service phases, top-level service types and subtypes of a workshop.

Slugs follow the reference spec, with one deliberate exception: the spec names a subtype "Pintura"
with slug `colision-pintura`, which is already the slug of its parent type "Colisión/Pintura".
Slugs are unique (dispatch resolves a slug to exactly one type), so the subtype uses
`colision-solo-pintura` ("paint work only", as opposed to a collision repair). Callers that send
the subtype must use that slug; `colision-pintura` always means the parent type.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PhaseSeed:
    slug: str
    name: str
    icon: str
    order: int
    description: str


@dataclass(frozen=True)
class ServiceTypeSeed:
    slug: str
    name: str
    icon: str
    order: int
    description: str
    parent_slug: str | None = None


PHASES: tuple[PhaseSeed, ...] = (
    PhaseSeed("phase-schedule", "Agendar Cita", "Calendar", 1,
              "Programación de la cita del cliente en el taller."),
    PhaseSeed("phase-reception", "Recepción", "ClipboardCheck", 2,
              "Recepción del vehículo en el taller y apertura de la orden de trabajo."),
    PhaseSeed("phase-repair", "Reparación", "Wrench", 3,
              "Ejecución del trabajo: mantenimiento, reparación o inspección de avalúo."),
    PhaseSeed("phase-quality", "Control de Calidad", "ShieldCheck", 4,
              "Revisión y validación del trabajo antes de la entrega."),
    PhaseSeed("phase-delivery", "Entrega", "CarFront", 5,
              "Vehículo o informe listo para entregar al cliente."),
)

SERVICE_TYPES: tuple[ServiceTypeSeed, ...] = (
    ServiceTypeSeed("mantenimiento-preventivo", "Mantenimiento Preventivo", "Settings", 1,
                    "Mantenimiento periódico según el kilometraje y el plan del fabricante."),
    ServiceTypeSeed("averia-revision", "Avería/Revisión", "AlertTriangle", 2,
                    "Diagnóstico y reparación de fallas mecánicas o eléctricas."),
    ServiceTypeSeed("colision-pintura", "Colisión/Pintura", "Car", 3,
                    "Reparación de carrocería y pintura, con o sin aseguradora."),
    ServiceTypeSeed("avaluo-comercial", "Avalúo Comercial", "FileText", 4,
                    "Inspección y valoración comercial del vehículo."),
    ServiceTypeSeed("avaluo-mg", "Avalúo MG", "ClipboardList", 5,
                    "Inspección y valoración del vehículo para avalúo MG."),
)

SUBTYPES: tuple[ServiceTypeSeed, ...] = (
    ServiceTypeSeed("averia-frenos", "Frenos", "Circle", 1,
                    "Revisión y reparación del sistema de frenos.", parent_slug="averia-revision"),
    ServiceTypeSeed("averia-diagnostico", "Diagnóstico", "Search", 2,
                    "Diagnóstico de fallas con escáner y pruebas.", parent_slug="averia-revision"),
    ServiceTypeSeed("averia-alineacion", "Alineación", "Crosshair", 3,
                    "Alineación y balanceo.", parent_slug="averia-revision"),
    ServiceTypeSeed("colision-siniestro", "Siniestro", "ShieldAlert", 1,
                    "Reparación por siniestro cubierto por una aseguradora.", parent_slug="colision-pintura"),
    ServiceTypeSeed("colision-golpe", "Golpe", "Hammer", 2,
                    "Reparación de golpes y abolladuras.", parent_slug="colision-pintura"),
    # Not `colision-pintura`: that slug belongs to the parent type (see the module docstring).
    ServiceTypeSeed("colision-solo-pintura", "Pintura", "Paintbrush", 3,
                    "Trabajos de pintura sin reparación de carrocería.", parent_slug="colision-pintura"),
)

PHASE_SLUGS: tuple[str, ...] = tuple(p.slug for p in PHASES)
TYPE_SLUGS: tuple[str, ...] = tuple(t.slug for t in SERVICE_TYPES)
