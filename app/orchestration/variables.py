"""The template variables Avisos knows, with descriptions and sample values (for previews and docs)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Variable:
    name: str
    description: str
    example: str
    filled_by_avisos: bool = False


VARIABLES: tuple[Variable, ...] = (
    Variable("Nombre", "Nombre del cliente", "Carlos Mendoza"),
    Variable("Placa", "Placa del vehículo", "ABC123"),
    Variable("Vehículo", "Marca y modelo del vehículo", "Haval H6 2024"),
    Variable("Fase", "Fase actual del servicio", "Recepción", filled_by_avisos=True),
    Variable("Fecha", "Fecha programada", "20 de Enero, 2026"),
    Variable("Hora", "Hora programada", "14:30"),
    Variable("Orden", "Número de orden de trabajo", "OT-2025-001"),
    Variable("Técnico", "Técnico asignado", "Juan Pérez"),
    Variable("Taller", "Nombre del taller", "Ambacar Service", filled_by_avisos=True),
    Variable("Servicio", "Tipo de servicio", "Mantenimiento Preventivo", filled_by_avisos=True),
    Variable("Kilometraje", "Kilometraje del mantenimiento", "45.000 km"),
    Variable("Enlace", "Enlace para seguir el servicio", "https://app.example.com", filled_by_avisos=True),
)

SAMPLE_CONTEXT: dict[str, str] = {v.name: v.example for v in VARIABLES}
