"""Staff search on a log of 1 million notifications (issue #14, "search as staff type").

Usage: .venv/bin/python bench/search.py [--rows 1000000] [--customers 50000] [--vehicles 60000] [--runs 5]

Uses its own PostgreSQL database (avisos_search_bench, dropped and recreated). The schema is
migrated to the revision before the search columns (e14search0001's down revision); customers (two Spanish surnames
with accents, +593 phones), vehicles (plates, brands, models) and notifications (spread over 60 days,
each linked to a customer) are generated in SQL; then the search migration (e14search0001) runs on
that data, as it would on a production database: the search columns are filled by the normaliser
and the trigram indexes built (timed). Then each search is timed through the console's notification
log, customers and vehicles pages (Flask's test client signed in as an admin: server time, SQL and
rendering) and its SQL is EXPLAINed (ANALYZE, BUFFERS) to show which indexes serve it.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import common  # noqa: E402

DB_NAME = "avisos_search_bench"
DSN = f"postgresql+psycopg://postgres@127.0.0.1:5432/{DB_NAME}"
PASSWORD = "bench-password-123"
SEARCH_REVISION = "e14search0001"

FIRST = ["José", "María", "Ana", "Luis", "Jorge", "Lucía", "Andrés", "Sofía", "Martín", "Valeria", "Íñigo",
         "Carmen", "Raúl", "Belén", "Tomás", "Inés", "Julián", "Mónica", "Germán", "Ramón"]
LAST = ["Ordóñez", "Núñez", "Pérez", "García", "Zambrano", "Muñoz", "Guzmán", "Andrade", "Benítez", "Cevallos",
        "Chávez", "Jiménez", "Vélez", "Peña", "Suárez", "Gómez", "Morán", "Álvarez", "Castañeda", "Villacís",
        "Mendoza", "Torres", "Ramírez", "Vásquez", "Salazar", "Quiñónez", "Rodríguez", "Espín", "Cárdenas",
        "León", "Montaño", "Ibáñez", "Yánez", "Ortíz", "Loor", "Acosta", "Erazo"]
BRANDS = [("Chevrolet", "Sail"), ("Kia", "Rio"), ("Hyundai", "Accent"), ("Toyota", "Hilux"), ("Haval", "H6"),
          ("Chery", "Tiggo 2"), ("Mazda", "CX-5"), ("Nissan", "Sentra"), ("Suzuki", "Swift"), ("JAC", "S2")]

CUSTOMERS_SQL = """
INSERT INTO customers (id, customer_id, first_name, last_name, email, phone, whatsapp, is_active,
  reminder_email_opt_out, sync_version, created_at, updated_at)
SELECT gen_random_uuid(), 'customer-' || g, (CAST(:first AS text[]))[1 + g % :nfirst],
  (CAST(:last AS text[]))[1 + g % :nlast] || ' ' || (CAST(:last AS text[]))[1 + (g / :nlast) % :nlast],
  'cliente' || g || '@example.com', '+5939' || lpad(g::text, 8, '0'), '', true, false, 1, now(), now()
FROM generate_series(1, :customers) AS g
"""
VEHICLES_SQL = """
INSERT INTO vehicles (id, customer_id, plate, brand, model, year, image_url, sync_version, created_at, updated_at)
SELECT gen_random_uuid(), c.id,
  chr(65 + g % 26) || chr(65 + (g / 26) % 26) || chr(65 + (g / 676) % 26) || lpad((g % 10000)::text, 4, '0'),
  (CAST(:brands AS text[]))[1 + g % :nbrands], (CAST(:models AS text[]))[1 + g % :nbrands], 2010 + g % 15, '', 1,
  now(), now()
FROM generate_series(1, :vehicles) AS g
JOIN customers c ON c.customer_id = 'customer-' || (1 + g % :customers)
"""
NOTIFICATIONS_SQL = """
INSERT INTO notifications (id, event_id, correlation_id, event_type, customer_id, customer_ref, target, channel,
  recipient, subject, body, html_body, status, attempts, max_attempts, error_code, error_reason, created_at,
  updated_at, sent_at)
SELECT gen_random_uuid(), :event_id, 'corr-' || (g / 3), 'phase_changed', c.id, c.customer_id, 'clients',
  (ARRAY['email','whatsapp','push'])[1 + g % 3], c.email, 'Aviso', 'Hola', '',
  CASE WHEN g % 100 < 94 THEN 'sent' ELSE 'failed' END, 1, 4, '', '', created, created, created
FROM (SELECT g, now() - make_interval(secs => (g::double precision / :rows) * 60 * 86400) AS created
      FROM generate_series(1, :rows) AS g) AS s
JOIN customers c ON c.customer_id = 'customer-' || (1 + (g::bigint * 7919) % :customers)
"""


def recreate_database() -> None:
    common.reset_database(DB_NAME)


def build_app():
    return common.in_process_app(DSN)


def analyze(db) -> None:
    from sqlalchemy import text

    db.session.remove()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for table in ("customers", "vehicles", "notifications"):
            conn.execute(text(f"VACUUM ANALYZE {table}"))


def revision_before(app, revision: str) -> str:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(app.extensions["migrate"].migrate.get_config())
    return script.get_revision(revision).down_revision


def load(app, rows: int, customers: int, vehicles: int) -> dict[str, float]:
    from flask_migrate import upgrade
    from sqlalchemy import text

    from app.cli.setup import upsert_user
    from app.extensions import db
    from app.models import DispatchEvent

    took = {}
    with app.app_context():
        upgrade(revision=revision_before(app, SEARCH_REVISION))
        event = DispatchEvent(correlation_id="bench", event_type="phase_changed", target="clients",
                              customer_ref="customer-1", context={}, status="planned")
        db.session.add(event)
        db.session.commit()
        started = time.perf_counter()
        db.session.execute(text(CUSTOMERS_SQL), {"first": FIRST, "nfirst": len(FIRST), "last": LAST,
                                                 "nlast": len(LAST), "customers": customers})
        db.session.execute(text(VEHICLES_SQL), {"brands": [b for b, _ in BRANDS], "models": [m for _, m in BRANDS],
                                                "nbrands": len(BRANDS), "vehicles": vehicles, "customers": customers})
        db.session.execute(text(NOTIFICATIONS_SQL), {"event_id": event.id, "rows": rows, "customers": customers})
        db.session.commit()
        took["load"] = time.perf_counter() - started
        analyze(db)
        started = time.perf_counter()
        upgrade(revision=SEARCH_REVISION)
        took["migration"] = time.perf_counter() - started
        analyze(db)
        upsert_user("bench@taller.test", "admin", PASSWORD)
    return took


def signed_in_client(app):
    client = app.test_client()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', client.get("/login").get_data(as_text=True)).group(1)
    response = client.post("/login", data={"email": "bench@taller.test", "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302, response.status_code
    return client


def samples(app) -> dict[str, str]:
    """Real values from the loaded data: one customer's plate and phone, a common and a rare name."""
    from sqlalchemy import select

    from app.extensions import db
    from app.models import Customer, Vehicle

    with app.app_context():
        plate, phone = db.session.execute(
            select(Vehicle.plate, Customer.phone).join(Customer, Customer.id == Vehicle.customer_id)
            .order_by(Vehicle.plate).offset(777).limit(1)).one()
    return {"plate": f"{plate[:3]}-{plate[3:]}", "phone": "0" + phone[4:], "common": "Ordonez",
            "rare": "jose ordonez zambrano"}


SEARCHES = [
    ("log, no search (baseline)", "/admin/notifications/", None),
    ("log by plate with a dash", "/admin/notifications/", "plate"),
    ("log by phone, national form", "/admin/notifications/", "phone"),
    ("log by a common surname without accents", "/admin/notifications/", "common"),
    ("log by a full name without accents", "/admin/notifications/", "rare"),
    ("log by one letter (matches every customer)", "/admin/notifications/", "letter"),
    ("customers, no search (baseline)", "/admin/customer/", None),
    ("customers by plate with a dash", "/admin/customer/", "plate"),
    ("customers by a surname without accents", "/admin/customer/", "common"),
    ("vehicles, no search (baseline)", "/admin/vehicle/", None),
    ("vehicles by model", "/admin/vehicle/", "model"),
    ("vehicles by plate with a dash", "/admin/vehicle/", "plate"),
]


def time_searches(app, runs: int, values: dict[str, str]) -> list[tuple[str, str, int, float, float]]:
    from urllib.parse import urlencode

    client = signed_in_client(app)
    out = []
    for label, path, key in SEARCHES:
        url = f"{path}?{urlencode({'search': values[key]})}" if key else path
        first = client.get(url)
        assert first.status_code == 200, (url, first.status_code)
        rows = len(set(re.findall(re.escape(path) + r"details/\?id=([0-9a-f-]+)", first.get_data(as_text=True))))
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            assert client.get(url).status_code == 200
            times.append((time.perf_counter() - started) * 1000)
        out.append((label, values[key] if key else "", rows, statistics.median(times), max(times)))
    return out


def explain(app, values: dict[str, str]) -> dict[str, str]:
    """EXPLAIN (ANALYZE, BUFFERS) of the log's page query for each kind of search."""
    from sqlalchemy import select

    from app import records
    from app.extensions import db
    from app.models import Notification
    from app.records.search import log_search_customers

    def plan_of(query) -> str:
        # Literal values, as the server sees them; psycopg's pyformat escaping (%%) undone, and the
        # statement sent without parameters so nothing is read as a placeholder.
        sql = str(query.compile(db.engine, compile_kwargs={"literal_binds": True})).replace("%%", "%")
        sql = re.sub(r"ANY \(ARRAY\[([^\]]*)\]\)", r"ANY (ARRAY[\1]::uuid[])", sql)  # the literal list's type
        connection = db.engine.raw_connection()
        try:
            cursor = connection.cursor()
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + sql)
            return "\n".join(row[0] for row in cursor.fetchall())
        finally:
            connection.close()

    plans = {}
    with app.app_context():
        for key in ("plate", "phone", "common", "rare", "letter"):
            # Step 1 (the array path reads the matching customers first), then the page's query.
            plans[f"{key}, matching customers"] = plan_of(log_search_customers(values[key]))
            plans[key] = plan_of(select(Notification.id, Notification.created_at)
                                 .where(records.notification_search(values[key]))
                                 .order_by(Notification.created_at.desc()).limit(51))
    return plans


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--customers", type=int, default=50_000)
    parser.add_argument("--vehicles", type=int, default=60_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--reuse", action="store_true", help="keep the loaded database (skip the load)")
    args = parser.parse_args()

    app = build_app()
    if not args.reuse:
        recreate_database()
        took = load(app, args.rows, args.customers, args.vehicles)
        print(f"loaded {args.rows} notifications, {args.customers} customers, {args.vehicles} vehicles "
              f"in {took['load']:.1f} s; search migration (fill + pg_trgm indexes) {took['migration']:.1f} s")
    values = {**samples(app), "model": "tiggo", "letter": "a"}
    print(f"\n| search | typed | rows on the page | median ms | max ms |\n|---|---|---|---|---|")
    for label, typed, rows, median, worst in time_searches(app, args.runs, values):
        print(f"| {label} | {f'`{typed}`' if typed else ''} | {rows} | {median:.0f} | {worst:.0f} |")
    for key, plan in explain(app, values).items():
        name, _, step = key.partition(", ")
        print(f"\n-- EXPLAIN log search by {name} ({values[name]!r}){', ' + step if step else ''}:\n{plan}")


if __name__ == "__main__":
    main()
