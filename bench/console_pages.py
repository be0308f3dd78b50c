"""Console pages on a log of 1 million notifications: load the rows, then time each page.

Usage: .venv/bin/python bench/console_pages.py [--rows 1000000] [--days 60] [--customers 0] [--runs 5]
       [--rollup-on-demand]

The workshop of issue #14: --rows 55000 --days 30 --customers 200 (the notifications' customer
refs then name real customers, each with a vehicle, so the pages show names).

Uses its own PostgreSQL database (avisos_bench_console, dropped and recreated). Rows are generated
in SQL (generate_series) over the last 60 days: 3 channels, statuses weighted like production
(mostly sent/delivered, ~6 % failed, a few queued/retrying), error codes on failures, queued-to-sent
latencies from seconds to minutes. Pages are requested through Flask's test client signed in as an
admin, so the figures are server time (SQL + rendering), without network or browser; the JSON
analytics endpoints with an API key the same way.

After loading, the analytics rollup of the closed days is built as production builds it (one
refresh_days over the closed days, what the hourly job and the on-demand path run) and timed on its
own. --rollup-on-demand skips that, so the first analytics request computes the missing days itself.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import common  # noqa: E402

DB_NAME = "avisos_bench_console"
DSN = f"postgresql://postgres@127.0.0.1:5432/{DB_NAME}"
PASSWORD = "bench-password-123"

LOAD_SQL = """
INSERT INTO notifications (id, event_id, correlation_id, event_type, customer_ref, target, channel, recipient,
  subject, body, html_body, status, attempts, max_attempts, error_code, error_reason, created_at, updated_at,
  sent_at, failed_at)
SELECT gen_random_uuid(), :event_id, 'corr-' || (g / 3), (ARRAY['appointment_scheduled','phase_changed','vehicle_ready'])[1 + g % 3],
  'customer-' || (g % :refs), 'clients', ch, 'c' || g || '@example.com', 'Aviso', 'Hola', '', st,
  CASE WHEN st = 'failed' THEN 4 ELSE 1 END, 4,
  CASE WHEN st = 'failed' THEN (ARRAY['smtp_550','number_not_on_whatsapp','push_gone','timeout'])[1 + g % 4] ELSE '' END,
  CASE WHEN st = 'failed' THEN 'provider refused' ELSE '' END,
  created, created,
  CASE WHEN st IN ('sent','delivered','read') THEN created + make_interval(secs => (g % 97) * (1 + g % 7)) END,
  CASE WHEN st = 'failed' THEN created + interval '5 minutes' END
FROM (
  SELECT g,
    (ARRAY['email','whatsapp','push'])[1 + g % 3] AS ch,
    CASE WHEN g % 100 < 50 THEN 'sent' WHEN g % 100 < 88 THEN 'delivered' WHEN g % 100 < 92 THEN 'read'
         WHEN g % 100 < 98 THEN 'failed' WHEN g % 100 < 99 THEN 'queued' ELSE 'retrying' END AS st,
    now() - make_interval(secs => (g::double precision / :rows) * :days * 86400) AS created
  FROM generate_series(1, :rows) AS g
) AS s
"""


def recreate_database() -> None:
    common.reset_database(DB_NAME)


def build_app():
    return common.in_process_app(DSN)


CUSTOMERS_SQL = """
INSERT INTO customers (id, customer_id, first_name, last_name, email, phone, whatsapp, is_active,
  reminder_email_opt_out, sync_version, created_at, updated_at)
SELECT gen_random_uuid(), 'customer-' || g, (ARRAY['Lucía','Andrés','María','José','Carla'])[1 + g % 5],
  (ARRAY['Ordóñez','Peñafiel','Muñoz','Cevallos','Andrade'])[1 + g % 5] || ' ' || g,
  'c' || g || '@example.com', '+5939' || lpad(g::text, 8, '0'), '+5939' || lpad(g::text, 8, '0'), true, false, 1, now(), now()
FROM generate_series(0, :n - 1) AS g
"""
VEHICLES_SQL = """
INSERT INTO vehicles (id, customer_id, plate, brand, model, year, image_url, sync_version, created_at, updated_at)
SELECT gen_random_uuid(), c.id, 'PB' || chr((65 + (row_number() OVER ()) % 26)::int) || '-' || lpad((row_number() OVER ())::text, 4, '0'),
  'Haval', 'H6', 2024, '', 1, now(), now()
FROM customers c
"""


def load(app, rows: int, days: int = 60, customers: int = 0) -> float:
    from flask_migrate import upgrade
    from sqlalchemy import text

    from app.cli.setup import upsert_user
    from app.extensions import db
    from app.models import DispatchEvent

    with app.app_context():
        upgrade()
        event = DispatchEvent(correlation_id="bench", event_type="appointment_scheduled",
                              service_type_slug="mantenimiento-preventivo", target="clients",
                              customer_ref="customer-1", context={}, status="planned")
        db.session.add(event)
        db.session.commit()
        started = time.perf_counter()
        db.session.execute(text(LOAD_SQL), {"event_id": event.id, "rows": rows, "days": days,
                                            "refs": customers or 50000})
        if customers:
            db.session.execute(text(CUSTOMERS_SQL), {"n": customers})
            db.session.execute(text(VEHICLES_SQL))
        db.session.commit()
        loaded = time.perf_counter() - started
        db.session.remove()
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE notifications"))
        upsert_user("bench@taller.test", "admin", PASSWORD)
    return loaded


def build_rollup(app) -> tuple[float, int]:
    """Rollup of every closed day holding rows (the load spans 60 days back from now)."""
    from datetime import timedelta

    from app import analytics

    with app.app_context():
        last = analytics.today() - timedelta(days=1)
        started = time.perf_counter()
        written = analytics.refresh_days(last - timedelta(days=60), last)
        return time.perf_counter() - started, written


def api_headers(app) -> dict[str, str]:
    from app.api.auth import generate_api_key
    from app.extensions import db

    with app.app_context():
        _, raw = generate_api_key("bench", scopes="read")
        db.session.commit()
    return {"Authorization": f"ApiKey {raw}"}


def signed_in_client(app):
    import re

    client = app.test_client()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', client.get("/login").get_data(as_text=True)).group(1)
    response = client.post("/login", data={"email": "bench@taller.test", "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302, response.status_code
    return client


def pages(app) -> list[tuple[str, str]]:
    from datetime import date, timedelta

    from sqlalchemy import text

    from app.extensions import db

    with app.app_context():
        failed_id = db.session.execute(text("SELECT id FROM notifications WHERE status = 'failed' LIMIT 1")).scalar()
        total = db.session.execute(text("SELECT count(*) FROM notifications")).scalar()
        corr = db.session.execute(text("SELECT correlation_id FROM notifications LIMIT 1 OFFSET :n"),
                                  {"n": total // 2}).scalar()
        customer_id = db.session.execute(text("SELECT id FROM customers LIMIT 1")).scalar()
    today = date.today()
    return [
        ("Inicio (dashboard)", "/admin/"),
        ("Notificaciones, first page", "/admin/notifications/"),
        ("Notificaciones, page 50", "/admin/notifications/?page=49"),
        ("Notificaciones, status=failed", "/admin/notifications/?flt0_1=failed"),
        ("Notificaciones, channel+status", "/admin/notifications/?flt0_0=whatsapp&flt1_1=failed"),
        ("Notificaciones, correlation id", f"/admin/notifications/?flt0_5={corr}"),
        ("Notificaciones, one day", f"/admin/notifications/?flt0_3={today - timedelta(days=10)}+to+{today - timedelta(days=10)}"),
        ("Notification detail", f"/admin/notifications/details/?id={failed_id}"),
        ("Notificaciones CSV export, failed", "/admin/notifications/export/csv/?flt0_1=failed"),
        *([("Clientes", "/admin/customer/"), ("Customer detail", f"/admin/customer/details/?id={customer_id}"),
           ("Vehículos", "/admin/vehicle/"), ("Recordatorios, new", "/admin/reminder/new/")] if customer_id else []),
        ("Importar / exportar", "/admin/data/"),
        ("Talleres y canales", "/admin/workshop/"),
        ("Analítica, 30 days (default)", "/admin/analytics/"),
        ("Analítica, 7 days", f"/admin/analytics/?start={today - timedelta(days=6)}&end={today}"),
        ("Analítica, 60 days", f"/admin/analytics/?start={today - timedelta(days=59)}&end={today}"),
        ("API summary, 30 days", "/api/v1/analytics/summary/?days=30"),
        ("API summary, 60 days", "/api/v1/analytics/summary/?days=60"),
        ("API health (24 h)", "/api/v1/analytics/health/"),
    ]


def time_pages(app, runs: int) -> list[tuple[str, float, float, float]]:
    """Per page: median, first (cold: nothing cached for that range) and max, in ms."""
    client = signed_in_client(app)
    headers = api_headers(app)
    results = []
    for name, url in pages(app):
        timings = []
        for _ in range(runs):
            started = time.perf_counter()
            response = client.get(url, headers=headers if url.startswith("/api/") else None)
            response.get_data()  # a streamed export is timed to its last row
            timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (url, response.status_code)
        results.append((name, statistics.median(timings), timings[0], max(timings)))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=60, help="days back the rows are spread over")
    parser.add_argument("--customers", type=int, default=0, help="customers (with a vehicle) the rows point at")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--rollup-on-demand", action="store_true", help="do not build the rollup before timing")
    args = parser.parse_args()
    recreate_database()
    app = build_app()
    loaded = load(app, args.rows, args.days, args.customers)
    print(f"loaded {args.rows:,} notifications in {loaded:.1f} s (then VACUUM ANALYZE)")
    if not args.rollup_on_demand:
        seconds, written = build_rollup(app)
        print(f"rollup of the 61 closed days: {written:,} rows in {seconds:.1f} s")
    print(f"{'page':40} {'median ms':>10} {'first ms':>10} {'max ms':>10}")
    for name, median, first, worst in time_pages(app, args.runs):
        print(f"{name:40} {median:10.0f} {first:10.0f} {worst:10.0f}")


if __name__ == "__main__":
    main()
