"""Streamed CSV exports: import format for master data, filters for notifications."""

import csv
import io
import uuid
from datetime import UTC, datetime

from sqlalchemy import select

from app.data_io import NotificationFilter, export_rows, import_table, read_csv
from app.extensions import db
from app.models import Customer, DispatchEvent, Notification
from tests import factories


def rows_of(text: str, delimiter: str = ",") -> list[dict]:
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff")), delimiter=delimiter))


def notification(event: DispatchEvent, created: datetime, status: str = "sent", channel: str = "email"):
    return factories.add(Notification(event_id=event.id, correlation_id=event.correlation_id, event_type="x",
                                      customer_ref="C-1", channel=channel, status=status, created_at=created))


def an_event() -> DispatchEvent:
    return factories.add(DispatchEvent(correlation_id=str(uuid.uuid4()), event_type="x", service_type_slug="s",
                                       target="clients", customer_ref="C-1", context={}))


def test_customers_export_in_their_import_format(app):
    factories.customer("C-1", first_name="María", last_name="Núñez", email="maria@example.com")
    db.session.commit()
    rows = rows_of("".join(export_rows("customers")))
    assert rows == [{"customer_id": "C-1", "first_name": "María", "last_name": "Núñez",
                     "email": "maria@example.com", "phone": "'+593991234567", "whatsapp": "", "sync_version": "0"}]


def test_an_exported_file_imports_back_unchanged(app):
    owner = factories.customer("C-1")
    factories.vehicle(owner, "ABC123", current_kilometers=1200)
    db.session.commit()
    data = "".join(export_rows("vehicles", delimiter=";", bom=True)).encode()
    report = import_table("vehicles", read_csv(data))
    assert report.written and (report.created, report.updated) == (0, 1) and not report.errors


def test_semicolon_and_bom_for_spreadsheets(app):
    text = "".join(export_rows("customers", delimiter=";", bom=True))
    assert text.startswith("\ufeffcustomer_id;first_name;")


def test_notifications_filter_by_date_status_and_channel(app):
    event = an_event()
    notification(event, datetime(2026, 3, 1, 12, tzinfo=UTC))
    notification(event, datetime(2026, 3, 2, 23, 59, tzinfo=UTC))
    notification(event, datetime(2026, 3, 2, 10, tzinfo=UTC), status="failed")
    notification(event, datetime(2026, 3, 2, 11, tzinfo=UTC), channel="whatsapp")
    notification(event, datetime(2026, 3, 3, 0, 0, 1, tzinfo=UTC))
    db.session.commit()
    chosen = NotificationFilter(since=datetime(2026, 3, 2).date(), until=datetime(2026, 3, 2).date(),
                                status="sent", channel="email")
    rows = rows_of("".join(export_rows("notifications", filters=chosen)))
    assert [r["created_at"][:16] for r in rows] == ["2026-03-02T23:59"]


def test_a_large_export_is_streamed_in_partitions(app):
    event = an_event()
    for minute in range(2500):
        db.session.add(Notification(event_id=event.id, correlation_id="c", event_type="x", customer_ref="C-1",
                                    channel="email", status="sent",
                                    created_at=datetime(2026, 1, 1, tzinfo=UTC).replace(
                                        hour=minute // 60 % 24, minute=minute % 60, day=1 + minute // 1440)))
    db.session.commit()
    chunks = list(export_rows("notifications"))
    assert len(chunks) == 1 + 3 and sum(c.count("\r\n") for c in chunks) == 2501


FORMULAS = ["=HYPERLINK(\"http://evil.test\")", "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\tx", "\rx"]


def test_formula_cells_are_written_with_a_leading_apostrophe(app):
    for number, text in enumerate(FORMULAS):
        factories.customer(f"C-{number}", first_name=text, last_name="Ok", email="")
    db.session.commit()
    rows = rows_of("".join(export_rows("customers")))
    assert [r["first_name"] for r in rows] == ["'" + text for text in FORMULAS]
    assert {r["last_name"] for r in rows} == {"Ok"}


def test_notification_exports_neutralise_formula_cells(app):
    event = an_event()
    row = notification(event, datetime(2026, 3, 1, 12, tzinfo=UTC))
    row.error_reason, row.subject = "=1+2", "@evil"
    db.session.commit()
    exported = rows_of("".join(export_rows("notifications")))[0]
    assert (exported["error_reason"], exported["subject"]) == ("'=1+2", "'@evil")


def test_neutralised_cells_import_back_as_they_were(app):
    texts = FORMULAS[:4] + ["'=already quoted", "'plain apostrophe", "-"]
    for number, text in enumerate(texts):
        factories.customer(f"C-{number}", first_name="Ana", last_name=text)
    db.session.commit()
    data = "".join(export_rows("customers", delimiter=";")).encode()
    db.session.query(Customer).delete()
    db.session.commit()
    report = import_table("customers", read_csv(data))
    assert report.written and not report.errors
    stored = dict(db.session.execute(select(Customer.customer_id, Customer.last_name)).all())
    assert [stored[f"C-{n}"] for n in range(len(texts))] == texts
    assert {c.phone for c in db.session.scalars(select(Customer))} == {"+593991234567"}
