"""Horarios de envío: the weekly grid per workshop and channel, the preview line, urgent phases;
the matrix's strategy; the log's planned time and "cancel the scheduled event"."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import DeliveryPolicy, Notification
from app.models.base import utcnow
from tests import factories


@pytest.fixture
def setup(app):
    return factories.basic_setup()


def week_form(channel="whatsapp", **extra) -> dict:
    data = {"workshop": ""}
    for day in ("mon", "tue", "wed", "thu", "fri"):
        data[f"{channel}-{day}-from"], data[f"{channel}-{day}-to"] = "08:00", "19:00"
    data[f"{channel}-sat-from"], data[f"{channel}-sat-to"] = "08:00", "13:00"
    for other in ("email", "whatsapp", "push"):
        if other != channel:
            data[f"{other}-anytime"] = "on"
    data.update(extra)
    return data


@pytest.mark.parametrize("role", ["viewer", "operator", "admin"])
def test_every_role_sees_the_grid_and_preview(signed_in, setup, role):
    html = signed_in(role).get("/admin/send-windows/").get_data(as_text=True)
    assert "Un mensaje enviado ahora saldría ahora." in html
    assert 'data-cell="whatsapp:mon"' in html and "Fases urgentes" in html


def test_admin_saves_a_weekly_window_and_the_preview_follows(signed_in, setup):
    client = signed_in("admin")
    response = client.post("/admin/send-windows/save/", data=week_form(**{"whatsapp-closed": "2026-12-25",
                                                                          "whatsapp-cap_count": "3",
                                                                          "whatsapp-cap_minutes": "60"}))
    assert response.status_code == 302
    row = db.session.scalar(select(DeliveryPolicy).where(DeliveryPolicy.channel == "whatsapp"))
    assert row.hours["sat"] == ["08:00-13:00"] and "sun" not in row.hours
    assert row.closed_dates == ["2026-12-25"] and row.cap_count == 3
    html = client.get("/admin/send-windows/").get_data(as_text=True)
    assert 'value="08:00"' in html and "Un mensaje enviado ahora saldría" in html


def test_a_bad_range_changes_nothing(signed_in, setup):
    response = signed_in("admin").post("/admin/send-windows/save/",
                                       data=week_form(**{"whatsapp-mon-from": "19:00", "whatsapp-mon-to": "08:00"}))
    assert response.status_code == 400 and "No se guardó ningún cambio" in response.get_data(as_text=True)
    assert db.session.scalar(select(DeliveryPolicy)) is None


def test_viewer_cannot_save(signed_in, setup):
    assert signed_in("viewer").post("/admin/send-windows/save/", data=week_form()).status_code == 403


def test_urgent_phases_are_flagged(signed_in, setup):
    signed_in("admin").post("/admin/send-windows/urgent/", data={"urgent": ["phase-delivery"], "workshop": ""})
    db.session.expire_all()
    assert setup.phases["phase-delivery"].is_urgent and not setup.phases["phase-repair"].is_urgent


def test_urgent_phase_until_a_local_hour_is_saved_and_shown(signed_in, setup):
    admin = signed_in("admin")
    admin.post("/admin/send-windows/urgent/", data={"urgent": ["phase-delivery"], "until-phase-delivery": "21:00",
                                                    "until-phase-repair": "20:00", "workshop": ""})
    db.session.expire_all()
    assert setup.phases["phase-delivery"].urgent_until == "21:00"
    assert setup.phases["phase-repair"].urgent_until is None  # not urgent: its hour is not kept
    html = admin.get("/admin/send-windows/").get_data(as_text=True)
    assert 'name="until-phase-delivery" value="21:00"' in html and "hasta (hora local, vacío = siempre)" in html


def test_urgent_phase_with_a_bad_time_is_refused(signed_in, setup):
    res = signed_in("admin").post("/admin/send-windows/urgent/", data={"urgent": ["phase-delivery"],
                                                                      "until-phase-delivery": "25:00", "workshop": ""})
    assert res.status_code == 400 and "until-phase-delivery" in res.get_data(as_text=True)
    db.session.expire_all()
    assert not setup.phases["phase-delivery"].is_urgent


def test_matrix_saves_the_strategy_and_reminder(signed_in, setup):
    from tests.console.test_matrix import grid_form

    data = grid_form(setup, setup.config) | {"strategy": "first_available", "reminder_hours_before": "24"}
    assert signed_in("admin").post("/admin/matrix/save/", data=data).status_code == 302
    db.session.expire_all()
    assert (setup.config.strategy, setup.config.reminder_hours_before) == ("first_available", 24)


def test_log_shows_the_planned_time_and_cancels_the_scheduled_event(signed_in, setup, client, api_headers):
    factories.customer()
    db.session.commit()
    later = (utcnow() + timedelta(days=2)).isoformat()
    client.post("/api/v1/notifications/events/dispatch/",
                json=factories.dispatch_payload(correlation_id="ot-55", send_at=later), headers=api_headers)
    row = db.session.scalars(select(Notification).where(Notification.correlation_id == "ot-55")).first()
    console = signed_in("operator")
    listing = console.get("/admin/notifications/").get_data(as_text=True)
    assert "Programada" in listing and "data-scheduled" in listing
    details = console.get(f"/admin/notifications/details/?id={row.id}").get_data(as_text=True)
    assert 'data-testid="scheduled-at"' in details and 'data-testid="cancel-event"' in details
    response = console.post("/admin/notifications/cancel-event/", data={"id": str(row.id), "correlation_id": "ot-55"})
    assert response.status_code == 302
    db.session.expire_all()
    assert {r.status for r in db.session.scalars(select(Notification).where(
        Notification.correlation_id == "ot-55"))} == {"cancelled"}
