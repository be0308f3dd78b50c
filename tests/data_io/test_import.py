"""Importing CSV files end to end: validation by line and column, all-or-nothing, upserts."""

from pathlib import Path

from sqlalchemy import func, select

from app.data_io import import_table, read_csv
from app.extensions import db
from app.models import Customer, MaintenanceReminder, Vehicle
from tests import factories

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "csv"


def load(name: str):
    return read_csv((FIXTURES / name).read_bytes())


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_customers_with_bom_and_semicolons_are_created(app):
    report = import_table("customers", load("customers_bom_semicolon.csv"))
    assert report.written and report.created == 3 and not report.errors
    row = db.session.scalar(select(Customer).where(Customer.customer_id == "C-002"))
    assert (row.first_name, row.last_name, row.email) == ("María José", "Núñez", "maria@example.com")


def test_an_import_updates_by_customer_id_and_keeps_omitted_columns(app):
    import_table("customers", load("customers_bom_semicolon.csv"))
    report = import_table("customers", load("customers_comma.csv"))
    assert (report.created, report.updated) == (1, 1)
    carlos = db.session.scalar(select(Customer).where(Customer.customer_id == "C-001"))
    assert carlos.full_name == "Carlos Mendoza" and carlos.sync_version == 3 and carlos.phone == "+593991234567"


def test_an_empty_cell_clears_the_stored_value(app):
    factories.customer("C-004", phone="0991111111")
    db.session.commit()
    import_table("customers", load("customers_comma.csv"))
    assert db.session.scalar(select(Customer.phone).where(Customer.customer_id == "C-004")) == ""


def test_errors_are_reported_by_line_and_column_and_nothing_is_written(app):
    report = import_table("customers", load("customers_errors.csv"))
    assert not report.written and count(Customer) == 0
    assert {(e.line, e.column) for e in report.errors} == {(3, "customer_id"), (4, "email"), (5, "sync_version")}
    assert report.errors[0].message == "A value is required."


def test_skip_invalid_writes_the_valid_rows(app):
    report = import_table("customers", load("customers_errors.csv"), skip_invalid=True)
    assert report.written and report.created == 2 and report.rejected_lines == [3, 4, 5]
    assert set(db.session.scalars(select(Customer.customer_id))) == {"C-010", "C-013"}


def test_a_dry_run_counts_but_writes_nothing(app):
    report = import_table("customers", load("customers_bom_semicolon.csv"), dry_run=True)
    assert report.created == 3 and not report.written and count(Customer) == 0


def test_a_stale_sync_version_is_not_applied(app):
    factories.customer("C-001", first_name="Nuevo", sync_version=9)
    db.session.commit()
    report = import_table("customers", load("customers_comma.csv"))
    assert report.skipped_stale == 1
    assert db.session.scalar(select(Customer.first_name).where(Customer.customer_id == "C-001")) == "Nuevo"


def test_a_missing_key_column_is_an_error_on_the_header(app):
    report = import_table("customers", read_csv(b"email\na@b.ec\n"))
    assert [(e.line, e.column) for e in report.errors] == [(1, "customer_id")] and not report.written


def test_an_unknown_column_is_ignored_with_a_warning(app):
    report = import_table("customers", read_csv(b"customer_id,notas\nA,x\n"))
    assert report.written and "notas" in report.warnings[0]


def test_a_line_with_more_cells_than_columns_is_an_error(app):
    report = import_table("customers", read_csv(b"customer_id,email\nA,a@b.ec,extra\n"))
    assert [(e.line, e.column) for e in report.errors] == [(2, "")]


def test_vehicles_normalise_plates_and_read_spanish_dates(app):
    import_table("customers", load("customers_bom_semicolon.csv"))
    report = import_table("vehicles", load("vehicles_semicolon.csv"))
    assert report.written and report.created == 2
    haval = db.session.scalar(select(Vehicle).where(Vehicle.plate == "ABC123"))
    assert haval.last_service_date.isoformat() == "2026-03-15" and haval.customer.customer_id == "C-001"
    assert db.session.scalar(select(Vehicle.current_kilometers).where(Vehicle.plate == "PBX4567")) is None


def test_vehicle_errors_name_the_unknown_customer_and_bad_cells(app):
    import_table("customers", load("customers_bom_semicolon.csv"))
    report = import_table("vehicles", load("vehicles_errors.csv"))
    assert {(e.line, e.column) for e in report.errors} == {(3, "customer_id"), (4, "year"),
                                                           (5, "last_service_date")}
    assert count(Vehicle) == 0


def test_reminders_upsert_by_plate_type_and_due(app):
    setup = factories.basic_setup()
    owner = factories.customer("C-001")
    factories.vehicle(owner, "ABC123")
    db.session.commit()
    first = import_table("reminders", load("reminders.csv"))
    again = import_table("reminders", load("reminders.csv"))
    assert (first.created, again.created, again.updated) == (2, 0, 2) and count(MaintenanceReminder) == 2
    oil = db.session.scalar(select(MaintenanceReminder).where(MaintenanceReminder.due_date.is_not(None)))
    assert oil.title == "Cambio de aceite" and oil.notify_before_days == 10
    assert oil.service_type_id == setup.types["mantenimiento-preventivo"].id and oil.customer_id == owner.id


def test_reminders_for_unknown_vehicles_or_types_are_errors(app):
    data = b"plate;service_type;due_date\nNOPE1;;2026-06-01\nABC123;no-existe;2026-06-01\nABC123;;\n"
    owner = factories.customer("C-001")
    factories.vehicle(owner, "ABC123")
    db.session.commit()
    report = import_table("reminders", read_csv(data))
    assert {(e.line, e.column) for e in report.errors} == {(2, "plate"), (3, "service_type"), (4, "")}


def test_a_file_larger_than_one_lookup_chunk_is_validated_and_written(app):
    owner = factories.customer("C-001")
    for n in range(1200):
        factories.add(Vehicle(customer_id=owner.id, plate=f"P{n:05d}"))
    db.session.commit()
    lines = ["plate,due_kilometers"] + [f"P{n:05d},{10000 + n}" for n in range(1200)] + ["NOPE,1"]
    report = import_table("reminders", read_csv("\n".join(lines).encode()), skip_invalid=True)
    assert report.created == 1200 and [(e.line, e.column) for e in report.errors] == [(1202, "plate")]
