"""Factories that build real rows. Each returns the row, added and flushed."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from werkzeug.security import generate_password_hash

from app.extensions import db
from app.models import (
    ChannelPreference,
    Customer,
    NotificationTemplate,
    OrchestrationConfig,
    PhaseChannelConfig,
    PushSubscription,
    ServicePhase,
    ServiceType,
    User,
    Vehicle,
    Workshop,
)

# Console users of the tests sign in through the real /login form; their hashes use a cheap method
# (the method is stored in the hash) because what these tests check is not the hash's strength, and
# the default (scrypt) costs about 0.3 s per sign-in.
FAST_HASH = "pbkdf2:sha256:1000"

PHASES = [
    ("phase-schedule", "Agendar Cita", 1),
    ("phase-reception", "Recepción", 2),
    ("phase-repair", "Reparación", 3),
    ("phase-quality", "Control de Calidad", 4),
    ("phase-delivery", "Entrega", 5),
]


def add(row):
    db.session.add(row)
    db.session.flush()
    return row


def user(email: str, role: str, password: str) -> User:
    """A console user (created, or reset to this role and password), committed."""
    row = db.session.scalar(select(User).where(User.email == email.lower()))
    if row is None:
        row = User(email=email.lower(), role=role, password_hash="")
        db.session.add(row)
    row.role, row.password_hash = role, generate_password_hash(password, method=FAST_HASH)
    db.session.commit()
    return row


def phase(slug: str, name: str, order: int) -> ServicePhase:
    return add(ServicePhase(slug=slug, name=name, order=order))


def service_type(slug: str, name: str, parent: ServiceType | None = None) -> ServiceType:
    return add(ServiceType(slug=slug, name=name, parent_id=parent.id if parent else None))


def workshop(code: str = "quito-norte", name: str = "Taller Quito Norte", **kw) -> Workshop:
    return add(Workshop(code=code, name=name, **kw))


def template(channel: str, stype: ServiceType, ph: ServicePhase | None, body: str, *, target: str = "clients",
             subject: str = "Aviso de {{Taller}}", subtype: ServiceType | None = None,
             shop: Workshop | None = None, name: str | None = None, event_type: str | None = None,
             **kw) -> NotificationTemplate:
    return add(NotificationTemplate(
        name=name or f"{channel} {stype.slug if stype else event_type} {ph.slug if ph else ''}".strip(),
        channel=channel, target=target, service_type_id=stype.id if stype else None,
        phase_id=ph.id if ph else None, subtype_id=subtype.id if subtype else None,
        workshop_id=shop.id if shop else None, subject=subject, body=body, event_type=event_type, **kw,
    ))


def matrix(stype: ServiceType, target: str, cells: dict[ServicePhase, dict[str, bool]],
           shop: Workshop | None = None, templates: dict | None = None) -> OrchestrationConfig:
    config = add(OrchestrationConfig(service_type_id=stype.id, target=target, workshop_id=shop.id if shop else None))
    for ph, channels in cells.items():
        for channel, enabled in channels.items():
            chosen = (templates or {}).get((ph, channel))
            add(PhaseChannelConfig(config_id=config.id, phase_id=ph.id, channel=channel, enabled=enabled,
                                   template_id=chosen.id if chosen else None))
    return config


def customer(customer_id: str = "customer-001", *, first_name: str = "Carlos", last_name: str = "Mendoza",
             email: str = "carlos@example.com", phone: str = "+593991234567", whatsapp: str = "",
             preferences: list[tuple[str, bool, int]] | None = None, **kw) -> Customer:
    row = add(Customer(customer_id=customer_id, first_name=first_name, last_name=last_name, email=email,
                       phone=phone, whatsapp=whatsapp, **kw))
    for channel, enabled, priority in preferences or []:
        add(ChannelPreference(customer_id=row.id, channel=channel, enabled=enabled, priority=priority))
    return row


def push_subscription(owner: Customer, endpoint: str, p256dh: str, auth: str) -> PushSubscription:
    return add(PushSubscription(customer_id=owner.id, endpoint=endpoint, p256dh=p256dh, auth=auth))


def vehicle(owner: Customer, plate: str = "ABC123", **kw) -> Vehicle:
    return add(Vehicle(customer_id=owner.id, plate=plate, brand=kw.pop("brand", "Haval"),
                       model=kw.pop("model", "H6"), year=kw.pop("year", 2024), **kw))


@dataclass
class Setup:
    phases: dict[str, ServicePhase] = field(default_factory=dict)
    types: dict[str, ServiceType] = field(default_factory=dict)
    templates: dict[str, NotificationTemplate] = field(default_factory=dict)
    config: OrchestrationConfig | None = None


CLIENT_BODY = {
    "email": "Hola {{Nombre}}, su {{Vehículo}} ({{Placa}}) está en la fase {{Fase}} en {{Taller}}.",
    "whatsapp": "Hola {{Nombre}}: su vehículo {{Placa}} está en {{Fase}}.",
    "push": "{{Placa}}: {{Fase}}",
}


def basic_setup(channels: dict[str, bool] | None = None) -> Setup:
    """Five phases, one service type with a subtype, a global clients matrix (all channels on by
    default) and a template per channel for every phase of that type."""
    setup = Setup()
    for slug, name, order in PHASES:
        setup.phases[slug] = phase(slug, name, order)
    mant = setup.types["mantenimiento-preventivo"] = service_type("mantenimiento-preventivo", "Mantenimiento Preventivo")
    averia = setup.types["averia-revision"] = service_type("averia-revision", "Avería/Revisión")
    setup.types["averia-frenos"] = service_type("averia-frenos", "Frenos", parent=averia)
    enabled = channels or {"email": True, "whatsapp": True, "push": True}
    for stype in (mant, averia):
        for slug, ph in setup.phases.items():
            for channel, body in CLIENT_BODY.items():
                setup.templates[f"{stype.slug}:{slug}:{channel}"] = template(channel, stype, ph, body)
        cfg = matrix(stype, "clients", {ph: dict(enabled) for ph in setup.phases.values()})
        if stype is mant:
            setup.config = cfg
    db.session.commit()
    return setup


def dispatch_payload(**overrides) -> dict:
    payload = {
        "event_type": "appointment_scheduled",
        "service_type_id": "mantenimiento-preventivo",
        "phase_id": "phase-schedule",
        "customer_id": "customer-001",
        "target": "clients",
        "context": {"nombre": "Carlos Mendoza", "placa": "ABC123", "vehiculo": "Haval H6 2024",
                    "fecha": "20 de Enero, 2026", "hora": "14:30"},
    }
    payload.update(overrides)
    return payload
