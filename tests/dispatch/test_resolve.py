"""app/dispatch/resolve.py: the one resolution of an event's slugs, for new and for stored events."""

import uuid
from types import SimpleNamespace

import pytest

from app.catalog import load_snapshot
from app.dispatch.resolve import resolve, resolve_stored
from app.extensions import db
from tests import factories as f


@pytest.fixture
def setup(app):
    built = f.basic_setup()
    built.shop = f.workshop()
    db.session.commit()
    return built


def stored_event(**fields):
    values = {"event_type": "appointment_scheduled", "target": "clients", "service_type_slug": "averia-revision",
              "subtype_slug": None, "phase_slug": "phase-repair", "workshop_id": None}
    return SimpleNamespace(**{**values, **fields})


def test_a_subtype_slug_given_as_the_type_is_that_subtype_of_its_parent(setup):
    resolved, problems = resolve("appointment_scheduled", "clients", "averia-frenos", None, "phase-repair", None,
                                 load_snapshot())
    assert problems == {}
    assert resolved.spec.service_type_id == str(setup.types["averia-revision"].id)
    assert resolved.spec.subtype_id == str(setup.types["averia-frenos"].id) and resolved.type_name == "Frenos"


def test_every_unknown_reference_is_reported_at_once(setup):
    _, problems = resolve("appointment_scheduled", "clients", "nope", "nada", "phase-x", "taller-x", load_snapshot())
    assert set(problems) == {"service_type_id", "subtype_id", "phase_id", "taller_id"}


def test_an_event_without_a_phase_needs_an_event_type_with_its_own_templates(setup):
    _, problems = resolve("appointment_scheduled", "clients", "averia-revision", None, None, None, load_snapshot())
    _, reminder = resolve("maintenance_reminder", "clients", "averia-revision", None, None, None, load_snapshot())
    assert problems == {"phase_id": ["This field is required."]} and reminder == {}


def test_a_workshop_is_found_by_code_and_named(setup):
    resolved, _ = resolve("appointment_scheduled", "clients", "averia-revision", None, "phase-repair", "quito-norte",
                          load_snapshot())
    assert resolved.spec.workshop_id == str(setup.shop.id) and resolved.workshop_name == "Taller Quito Norte"


def test_a_stored_event_whose_service_type_is_gone_raises(setup):
    with pytest.raises(KeyError):
        resolve_stored(stored_event(service_type_slug="retired-type"), load_snapshot())


def test_a_stored_event_keeps_a_workshop_deactivated_since(setup):
    setup.shop.is_active = False
    db.session.commit()
    shop_id = uuid.UUID(str(setup.shop.id))
    resolved = resolve_stored(stored_event(workshop_id=shop_id), load_snapshot())
    assert resolved.spec.workshop_id == str(shop_id) and resolved.workshop_name == ""
