"""Do scheduled rows cost the hot paths anything? Times the delivery claim (nothing due), the release
step (nothing due), one dispatch and the log's first page, with 0 and then N rows `scheduled` for
later (issue #15: 100,000 must not slow dispatch or the log pages).

    AVISOS_BENCH_DB=avisos_x .venv/bin/python bench/scheduled_rows.py [--rows 100000] [--repeat 50]

Uses its own database (AVISOS_BENCH_DB, dropped and recreated), PostgreSQL only.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common  # noqa: E402


def timed(fn, repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return round(statistics.median(samples), 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args()
    common.prepare_database(50)
    import os

    os.environ.update(common.app_env())
    from sqlalchemy import insert, select, text

    from app import create_app, delivery
    from app.dispatch import accept_event
    from app.extensions import db
    from app.models import DispatchEvent, Notification
    from app.models.base import utcnow

    app = create_app()
    results = {}
    with app.app_context():
        def claim():
            token, ids = delivery.claim_due(50)
            assert not ids

        def release():
            assert delivery.release_due() == 0

        def dispatch():
            status, _ = accept_event(common.dispatch_body(1))
            assert status == 202
            db.session.execute(text("UPDATE notifications SET status = 'sent' WHERE status = 'queued'"))
            db.session.commit()

        def log_page():
            list(db.session.scalars(select(Notification).order_by(Notification.created_at.desc()).limit(50)))
            db.session.commit()

        def measure(label: str):
            db.session.execute(text("ANALYZE notifications"))
            db.session.commit()
            results[label] = {"claim_ms": timed(claim, args.repeat), "release_ms": timed(release, args.repeat),
                              "dispatch_ms": timed(dispatch, args.repeat), "log_page_ms": timed(log_page, args.repeat)}

        measure("0 scheduled")
        event_id = uuid.uuid4()
        now = utcnow()
        db.session.execute(insert(DispatchEvent).values(
            id=event_id, correlation_id="bench-scheduled", event_type="custom", target="clients",
            customer_ref="bench-0", context={}, status="planned", priority="normal", strategy="all", created_at=now))
        for start in range(0, args.rows, 10_000):
            db.session.execute(insert(Notification), [{
                "id": uuid.uuid4(), "event_id": event_id, "correlation_id": "bench-scheduled", "event_type": "custom",
                "customer_ref": "bench-0", "target": "clients", "channel": "whatsapp", "recipient": "593900000000",
                "subject": "", "body": "x", "html_body": "", "status": "scheduled", "attempts": 0, "max_attempts": 4,
                "scheduled_at": now + timedelta(days=1, seconds=i), "hold_reason": "send_at", "urgent": False,
                "error_code": "", "error_reason": "", "created_at": now - timedelta(seconds=i), "updated_at": now,
            } for i in range(start, min(args.rows, start + 10_000))])
        db.session.commit()
        measure(f"{args.rows} scheduled")
    common.print_table(["state", "claim ms", "release ms", "dispatch ms", "log page ms"],
                       [[k, v["claim_ms"], v["release_ms"], v["dispatch_ms"], v["log_page_ms"]] for k, v in results.items()],
                       title=f"median of {args.repeat}, one process, PostgreSQL")
    common.cleanup(False)


if __name__ == "__main__":
    main()
