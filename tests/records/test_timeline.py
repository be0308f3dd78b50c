"""A customer's notification history, newest first, one page at a time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.extensions import db
from app.models import DispatchEvent, Notification
from app.records import customer_timeline
from tests import factories


def notify(customer, count, start=datetime(2026, 3, 1, tzinfo=UTC)):
    event = DispatchEvent(correlation_id="c", event_type="phase_changed", service_type_slug="x", target="clients",
                          customer_ref=customer.customer_id)  # fmt: skip
    db.session.add(event)
    db.session.flush()
    for i in range(count):
        db.session.add(Notification(event_id=event.id, correlation_id="c", event_type="phase_changed",
                                    customer_id=customer.id, customer_ref=customer.customer_id, channel="push",
                                    subject=f"n{i}", created_at=start + timedelta(hours=i)))  # fmt: skip
    db.session.commit()


def test_newest_first_with_a_next_page(app):
    carlos = factories.customer()
    notify(carlos, 5)
    page = customer_timeline(carlos.id, page=1, per_page=2)
    assert [e.subject for e in page.entries] == ["n4", "n3"]
    assert page.has_next and not page.has_previous


def test_last_page_has_no_next(app):
    carlos = factories.customer()
    notify(carlos, 5)
    page = customer_timeline(carlos.id, page=3, per_page=2)
    assert [e.subject for e in page.entries] == ["n0"] and not page.has_next and page.has_previous


def test_only_the_customers_own_notifications(app):
    carlos, ana = factories.customer(), factories.customer("customer-002", email="ana@example.com")
    notify(carlos, 2)
    notify(ana, 3)
    assert len(customer_timeline(ana.id).entries) == 3


def test_page_numbers_below_one_mean_the_first_page(app):
    carlos = factories.customer()
    notify(carlos, 1)
    assert customer_timeline(carlos.id, page=-4).page == 1
