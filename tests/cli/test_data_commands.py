"""`flask import` and `flask export`."""

import json
from pathlib import Path

from sqlalchemy import select

from app.extensions import db
from app.models import Customer

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "csv"


def run(app, *args):
    # Click 8.2+ keeps stdout and stderr apart on the result (output has both).
    return app.test_cli_runner().invoke(args=list(args))


def summary(result) -> dict:
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_import_writes_the_rows_and_prints_a_summary(app):
    result = run(app, "import", "customers", str(FIXTURES / "customers_bom_semicolon.csv"))
    assert result.exit_code == 0, result.output
    assert summary(result)["created"] == 3 and summary(result)["written"] is True
    assert len(db.session.scalars(select(Customer)).all()) == 3


def test_import_with_errors_prints_line_and_column_and_writes_nothing(app):
    result = run(app, "import", "customers", str(FIXTURES / "customers_errors.csv"))
    assert result.exit_code == 1
    assert "line 4, column 'email'" in result.stderr and "Nothing was written" in result.stderr
    assert db.session.scalars(select(Customer)).all() == []


def test_import_skip_invalid_writes_the_valid_rows(app):
    result = run(app, "import", "customers", str(FIXTURES / "customers_errors.csv"), "--skip-invalid")
    assert result.exit_code == 1 and summary(result)["created"] == 2 and summary(result)["rejected"] == 3


def test_import_dry_run_writes_nothing(app):
    result = run(app, "import", "customers", str(FIXTURES / "customers_comma.csv"), "--dry-run")
    assert result.exit_code == 0 and summary(result)["created"] == 2
    assert db.session.scalars(select(Customer)).all() == []


def test_import_of_a_file_that_is_not_utf8_fails_clearly(app, tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes("customer_id;first_name\nA;Peña\n".encode("latin-1"))
    result = run(app, "import", "customers", str(path))
    assert result.exit_code == 1 and "UTF-8" in result.stderr


def test_export_writes_a_file(app, tmp_path):
    run(app, "import", "customers", str(FIXTURES / "customers_comma.csv"))
    out = tmp_path / "out.csv"
    result = run(app, "export", "customers", "-o", str(out), "--delimiter", ";")
    assert result.exit_code == 0
    assert out.read_text(encoding="utf-8").splitlines()[1].startswith("C-001;Carlos;Mendoza;")


def test_export_notifications_accepts_filters(app):
    result = run(app, "export", "notifications", "--since", "2026-01-01", "--status", "failed", "--channel", "email")
    assert result.exit_code == 0 and result.stdout.startswith("created_at,id,correlation_id")


def test_export_writes_formula_cells_with_a_leading_apostrophe(app):
    from tests import factories

    factories.customer("C-1", first_name="=HYPERLINK(\"http://evil.test\")", last_name="@SUM(A1)")
    db.session.commit()
    result = run(app, "export", "customers")
    assert result.exit_code == 0
    assert "\"'=HYPERLINK(\"\"http://evil.test\"\")\",'@SUM(A1)," in result.stdout
