"""Rows the search tests share (records, console, API, browser): two customers, each with a vehicle, a
reminder and a notification, written the way a workshop writes them (accents, a +593 phone)."""

from __future__ import annotations

from datetime import date

from app.extensions import db
from app.models import Customer, DispatchEvent, MaintenanceReminder, Notification
from tests import factories


def search_sample() -> dict[str, Customer]:
    """José Ordóñez (+593968367322, UCC8299 Chevrolet Sail, "Cambio de aceite") and Ana Torres
    (0991112233, PBA1234 Kia Rio, "Revisión de frenos"); notifications correlated `corr-<customer_id>`."""
    jose = factories.customer("customer-001", first_name="José", last_name="Ordóñez", email="jose@example.com",
                              phone="+593968367322")
    ana = factories.customer("customer-002", first_name="Ana", last_name="Torres", email="ana@example.com",
                             phone="0991112233")
    sail = factories.vehicle(jose, plate="UCC8299", brand="Chevrolet", model="Sail")
    rio = factories.vehicle(ana, plate="PBA1234", brand="Kia", model="Rio")
    for owner, car, title in ((jose, sail, "Cambio de aceite"), (ana, rio, "Revisión de frenos")):
        db.session.add(MaintenanceReminder(vehicle_id=car.id, customer_id=owner.id, title=title,
                                           due_date=date(2030, 1, 1)))
        event = DispatchEvent(correlation_id=f"corr-{owner.customer_id}", event_type="phase_changed",
                              target="clients", customer_ref=owner.customer_id)
        db.session.add(event)
        db.session.flush()
        db.session.add(Notification(event_id=event.id, correlation_id=event.correlation_id, event_type="phase_changed",
                                    customer_id=owner.id, customer_ref=owner.customer_id, channel="email",
                                    recipient=owner.email, status="sent"))
    db.session.commit()
    return {"jose": jose, "ana": ana}
