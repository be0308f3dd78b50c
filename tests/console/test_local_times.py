"""Times staff read are in TIMEZONE's local time (America/Guayaquil here), minutes without
microseconds, and each page names the zone once: list, detail, customer timeline and exports."""

from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest

from app.extensions import db
from tests import factories
from tests.console import builders

# 23:53 UTC on 6 December is 18:53 in Quito (UTC-5).
SENT_UTC = datetime(2026, 12, 6, 23, 53, 7, 123456, tzinfo=timezone.utc)
LOCAL = "2026-12-06 18:53"


@pytest.fixture
def quito(app, monkeypatch):
    monkeypatch.setitem(app.config, "TIMEZONE", "America/Guayaquil")
    owner = factories.customer("customer-001")
    row = builders.notification("email", "failed", created_at=SENT_UTC, error_code="smtp_550",
                                ev=builders.event(customer_ref=owner.customer_id), customer_id=owner.id)
    builders.attempt(row)
    db.session.commit()
    return row


def test_the_notification_list_shows_local_times(quito, signed_in):
    html = signed_in("viewer").get("/admin/notifications/").get_data(as_text=True)
    assert LOCAL in html and "23:53" not in html
    assert "America/Guayaquil" in html and html.count('data-testid="console-zone"') == 1


def test_the_notification_detail_shows_local_times_without_microseconds(quito, signed_in):
    html = signed_in("viewer").get(f"/admin/notifications/details/?id={quito.id}").get_data(as_text=True)
    assert f">{LOCAL}</time>" in html and "23:53" not in re.sub(r'datetime="[^"]*"', "", html)
    assert "123456" not in html and ".123" not in html


def test_the_customer_timeline_shows_local_times(quito, signed_in):
    from app.models import Customer

    owner = db.session.scalars(db.select(Customer)).one()
    html = signed_in("viewer").get(f"/admin/customer/details/?id={owner.id}").get_data(as_text=True)
    assert LOCAL in html and ">2026-12-06 23:53" not in html


def test_the_notification_exports_write_local_times(quito, signed_in):
    client = signed_in("operator")
    for url in ("/admin/notifications/export/csv/", "/admin/data/export/notifications"):
        body = client.get(url).get_data(as_text=True)
        assert f"{LOCAL}:07" in body and "23:53" not in body, url
        assert body.startswith("\ufeff") and ";" in body.splitlines()[0]
