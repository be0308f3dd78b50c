"""Do concurrent delivery lanes each get batches of DELIVERY_BATCH_SIZE? A check of
app.delivery.claim_due under two planner-statistics states of `notifications`:

- skewed:   statistics taken while every row was `sent` (a production table whose history is all
            sent rows), then a burst of queued rows: the planner expects ~1 claimable row;
- analyzed: statistics taken with the burst queued.

Queues N events (2N rows) once, through the API with no worker; for each state it re-queues them
and runs P processes that each loop like a delivery lane: claim_due(batch), then "send" every
claimed row (sleep --send-ms, then mark it sent with a conditional UPDATE and commit), then claim
again, stopping at the first empty claim (as deliver_due does). Each process logs every claim's
size. A claim larger than the batch means one lane took rows another lane could have sent, and
that a crash or a timeout of that job strands more rows than configured.

Then, for growing backlogs (--backlogs, rows copied from the queued ones), it times one
claim_due(batch) from a single process under each statistics state.

    .venv/bin/python bench/claim_concurrency.py [--events 600] [--lanes 2] [--batch 50] [--send-ms 8]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common  # noqa: E402


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=600)
    parser.add_argument("--customers", type=int, default=2000)
    parser.add_argument("--lanes", type=int, default=2)
    parser.add_argument("--batch", type=int, default=50)
    parser.add_argument("--send-ms", type=float, default=8.0, help="simulated send time per message")
    parser.add_argument("--backlogs", type=int, nargs="+", default=[1000, 4000, 16000],
                        help="queued rows for the single-claim timing (0 to skip)")
    parser.add_argument("--stats", nargs="+", choices=common.STATS_MODES, default=["skewed", "analyzed"])
    parser.add_argument("--keep-db", action="store_true")
    return parser.parse_args()


def lane(index: int, batch: int, send_ms: float, deadline_s: float, out) -> None:
    """One claiming process (runs the app's claim_due in its own app context)."""
    os.environ.update(common.app_env())
    from sqlalchemy import text, update

    from app import create_app
    from app.delivery import claim_due
    from app.extensions import db
    from app.models import Notification

    claims = []
    with create_app().app_context():
        deadline = time.monotonic() + deadline_s
        while time.monotonic() < deadline:
            token, ids = claim_due(batch)
            left = db.session.execute(text("SELECT count(*) FROM notifications WHERE status = 'queued'")).scalar()
            db.session.commit()
            claims.append({"t": round(time.monotonic(), 3), "claimed": len(ids), "queued_after": left})
            if not ids:
                break
            for notification_id in ids:
                time.sleep(send_ms / 1000)
                db.session.execute(update(Notification).where(Notification.id == notification_id,
                                                              Notification.claim_token == token)
                                   .values(status="sent", claim_token=None))
                db.session.commit()
    out.put({"lane": index, "claims": claims})


def run_lanes(lanes: int, batch: int, send_ms: float) -> list[dict]:
    out = multiprocessing.Queue()
    procs = [multiprocessing.Process(target=lane, args=(i, batch, send_ms, 120.0, out)) for i in range(lanes)]
    for proc in procs:
        proc.start()
    results = [out.get(timeout=180) for _ in procs]
    for proc in procs:
        proc.join(timeout=10)
        if proc.is_alive():
            proc.kill()
    return sorted(results, key=lambda r: r["lane"])


NOTIFICATION_COPY_COLUMNS = (
    "event_id, correlation_id, event_type, customer_id, customer_ref, target, channel, recipient, template_id, "
    "subject, body, html_body, payload, status, attempts, max_attempts, error_code, error_reason, updated_at")


def grow_backlog(rows: int) -> None:
    """Copy notification rows (new ids, created now) until the table holds `rows`."""
    cols = NOTIFICATION_COPY_COLUMNS
    with common.pg_connect() as conn:
        for _ in range(20):
            count = conn.execute("SELECT count(*) FROM notifications").fetchone()[0]
            if count >= rows:
                return
            conn.execute(f"INSERT INTO notifications (id, created_at, {cols}) "
                         f"SELECT gen_random_uuid(), clock_timestamp(), {cols} FROM notifications LIMIT %s",
                         (rows - count,))


def time_single_claims(backlogs: list[int], modes: list[str], batch: int) -> list[dict]:
    """One claim_due(batch) per backlog size and statistics state, from this process (warmed up)."""
    os.environ.update(common.app_env())
    from app import create_app
    from app.delivery import claim_due

    app = create_app()
    timings = []
    for backlog in sorted(b for b in backlogs if b > 0):
        grow_backlog(backlog)
        for mode in modes:
            with app.app_context():
                requeue_all()
                common.set_notification_stats(mode)
                claim_due(1)  # warm up: connection, statement caches
                requeue_all()
                common.set_notification_stats(mode)
                started = time.perf_counter()
                _, ids = claim_due(batch)
                elapsed_ms = (time.perf_counter() - started) * 1000
            timings.append({"queued": backlog, "stats": mode, "claim_ms": round(elapsed_ms, 1), "claimed": len(ids)})
    return timings


def requeue_all() -> int:
    """Every notification back to queued, unclaimed (the same burst for each statistics state)."""
    with common.pg_connect() as conn:
        conn.execute("UPDATE notifications SET status = 'queued', claim_token = NULL, claimed_at = NULL, "
                     "attempts = 0")
        conn.execute("VACUUM notifications")
        return conn.execute("SELECT count(*) FROM notifications").fetchone()[0]


def queue_events(api_key: str, events: int, customers: int) -> None:
    """Dispatch `events` through the API (gunicorn, 2 workers), then drop the lane jobs they enqueued."""
    web = common.Gunicorn(workers=2, env=common.app_env()).start()
    try:
        headers = {"Authorization": f"ApiKey {api_key}"}
        for i in range(events):
            status, body = common.post_json(web.base_url + common.DISPATCH_PATH, common.dispatch_body(i % customers),
                                            headers)
            if status != 202:
                raise RuntimeError(f"dispatch answered {status}: {body}")
    finally:
        web.stop()
    common.flush_redis()


def main() -> None:
    args = parse_args()
    code = common.code_state()
    try:
        api_key = common.prepare_database(args.customers)
        queue_events(api_key, args.events, args.customers)
        runs = []
        for mode in args.stats:
            queued = requeue_all()
            common.set_notification_stats(mode)
            results = run_lanes(args.lanes, args.batch, args.send_ms)
            remaining = sum(n for (_, st), n in common.notification_status_counts().items() if st == "queued")
            runs.append({"stats": mode, "queued": queued, "results": results, "left_queued": remaining})
        timings = time_single_claims(args.backlogs, args.stats, args.batch)
        report(args, runs, timings, common.check_code_unchanged(code))
    finally:
        common.cleanup(args.keep_db)


def report(args, runs: list[dict], timings: list[dict], code: dict) -> None:
    for run in runs:
        rows = []
        for r in run["results"]:
            claims = r["claims"]
            sizes = [c["claimed"] for c in claims]
            oversized = sum(1 for n in sizes if n > args.batch)
            rows.append([r["lane"], sum(sizes), len(claims) - 1, max(sizes), oversized, claims[-1]["queued_after"],
                         " ".join(map(str, sizes))])
        common.print_table(["lane", "rows sent", "claims", "largest claim", "claims > batch",
                            "queued when it stopped", "claim sizes"], rows,
                           title=f"statistics {run['stats']}: {run['queued']} queued rows, {args.lanes} lanes, "
                                 f"batch {args.batch}, {args.send_ms} ms per simulated send")
        print(f"rows still queued after every lane stopped: {run['left_queued']}")
    common.print_table(["queued rows", "statistics", "one claim ms", "rows claimed"],
                       [[t["queued"], t["stats"], t["claim_ms"], t["claimed"]] for t in timings],
                       title=f"One claim_due({args.batch}) from a single process")
    data = {"machine": common.machine_info(), "code": code, "lanes": args.lanes, "batch": args.batch,
            "send_ms": args.send_ms, "runs": runs, "single_claim_timings": timings}
    print(f"\nJSON: {common.write_json('claim_concurrency', data)}")


if __name__ == "__main__":
    with common.exclusive_run("claim_concurrency"):
        main()
