"""Where a dispatch spends its time, in-process: SQL statements per request and their cost.

Builds the app in this process (same environment as the other benchmarks, PostgreSQL + Redis, no
worker), sends events through Flask's test client, and records every SQL statement with a
SQLAlchemy cursor event. Also times one snapshot reload (catalog, templates, matrix), which every
process repeats each SNAPSHOT_TTL_SECONDS.

    .venv/bin/python bench/dispatch_queries.py [--events 300]
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import re
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common  # noqa: E402


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=300)
    parser.add_argument("--customers", type=int, default=2000)
    parser.add_argument("--keep-db", action="store_true")
    return parser.parse_args()


class StatementLog:
    """Counts and times statements per normalised SQL text."""

    def __init__(self) -> None:
        self.count: Counter[str] = Counter()
        self.seconds: defaultdict[str, float] = defaultdict(float)
        self._started: dict[int, float] = {}

    def attach(self, engine) -> None:
        from sqlalchemy import event

        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)
        event.listen(engine, "commit", self._commit)

    def _before(self, conn, cursor, statement, parameters, context, executemany):
        self._started[id(cursor)] = time.perf_counter()

    def _after(self, conn, cursor, statement, parameters, context, executemany):
        key = normalise_sql(statement) + (" [executemany]" if executemany else "")
        self.count[key] += 1
        self.seconds[key] += time.perf_counter() - self._started.pop(id(cursor), time.perf_counter())

    def _commit(self, conn):
        self.count["COMMIT"] += 1

    def reset(self) -> None:
        self.count.clear()
        self.seconds.clear()


def normalise_sql(statement: str) -> str:
    """First words of the statement with the table names, enough to tell statements apart."""
    text = " ".join(statement.split())
    verb = text.split(" ", 1)[0].upper()
    tables = re.findall(r"(?:FROM|INTO|UPDATE|JOIN)\s+(\w+)", text, flags=re.IGNORECASE)
    where = re.search(r"WHERE (.{0,70})", text)
    condition = f" WHERE {where.group(1)}" if where and verb == "SELECT" else ""
    return f"{verb} {','.join(dict.fromkeys(tables))}{condition}"


def build_app():
    os.environ.update(common.app_env())
    from app import create_app

    return create_app()


def dispatch_many(client, api_key: str, events: int, customers: int) -> list[float]:
    """POST `events` dispatches; returns per-request wall times (ms)."""
    times = []
    headers = {"Authorization": f"ApiKey {api_key}"}
    for i in range(events):
        started = time.perf_counter()
        resp = client.post(common.DISPATCH_PATH, json=common.dispatch_body(i % customers), headers=headers)
        times.append((time.perf_counter() - started) * 1000)
        if resp.status_code != 202:
            raise RuntimeError(f"dispatch answered {resp.status_code}: {resp.get_json()}")
    return times


def time_snapshot(app, rounds: int = 20) -> float:
    """Mean wall ms of one load_snapshot() (what each process pays every SNAPSHOT_TTL_SECONDS)."""
    from app.catalog import load_snapshot
    from app.extensions import db

    with app.app_context():
        load_snapshot()
        started = time.perf_counter()
        for _ in range(rounds):
            load_snapshot()
        db.session.remove()
    return (time.perf_counter() - started) * 1000 / rounds


def profile_dispatches(client, api_key: str, events: int, customers: int) -> dict[str, list]:
    """cProfile over `events` dispatches: the app's own functions by cumulative share, and what
    accept_event() calls directly (ms per dispatch)."""
    profiler = cProfile.Profile()
    profiler.enable()
    dispatch_many(client, api_key, events, customers)
    profiler.disable()
    stats = pstats.Stats(profiler)
    stats.calc_callees()
    total = stats.total_tt
    app_rows, callees = [], []
    for (file, _line, func), (_cc, _nc, _tt, ct, _callers) in stats.stats.items():
        if "/work/main/app/" in file or "/work/main/jobs/" in file:
            app_rows.append((f"{func} ({_short(file)})", round(100 * ct / total, 1)))
        if func == "accept_event" and file.endswith("app/dispatch/accept.py"):
            for (cfile, _cline, cfunc), timing in stats.all_callees[(file, _line, func)].items():
                callees.append((f"{cfunc} ({_short(cfile)})", round(1000 * timing[3] / events, 3)))
    return {"app_cumulative_pct": sorted(app_rows, key=lambda r: -r[1])[:20],
            "accept_event_callees_ms": sorted(callees, key=lambda r: -r[1])[:15],
            "total_ms_per_dispatch": round(1000 * total / events, 3)}


def _short(file: str) -> str:
    """Path relative to site-packages, the project, or the standard library."""
    for marker in ("site-packages/", "/work/main/", "/lib/python3.11/"):
        if marker in file:
            return file.split(marker, 1)[1]
    return file


def main() -> None:
    args = parse_args()
    code = common.code_state()
    try:
        api_key = common.prepare_database(args.customers)
        app = build_app()
        log = StatementLog()
        with app.app_context():
            from app.extensions import db

            log.attach(db.engine)
        client = app.test_client()
        dispatch_many(client, api_key, 20, args.customers)  # warm up: snapshot, API key cache, pool
        log.reset()
        times = sorted(dispatch_many(client, api_key, args.events, args.customers))
        statements = [(sql, round(n / args.events, 2), round(1000 * log.seconds[sql] / args.events, 3))
                      for sql, n in log.count.most_common()]
        snapshot_ms = time_snapshot(app)
        profile = profile_dispatches(client, api_key, args.events, args.customers)
        report(args, times, statements, snapshot_ms, profile, common.check_code_unchanged(code))
    finally:
        common.cleanup(args.keep_db)


def report(args, times, statements, snapshot_ms, profile, code) -> None:
    per_request = sum(n for sql, n, _ in statements if sql != "COMMIT")
    print(f"{args.events} sequential dispatches in-process (Flask test client, PostgreSQL, Redis)")
    print(f"wall per dispatch: p50 {times[len(times) // 2]:.2f} ms, mean {sum(times) / len(times):.2f} ms")
    print(f"SQL statements per dispatch: {per_request:.2f} (+ commits)")
    common.print_table(["statement", "per dispatch", "ms per dispatch"], statements, title="Statements")
    print(f"\nload_snapshot(): {snapshot_ms:.1f} ms per reload (each process, every SNAPSHOT_TTL_SECONDS)")
    common.print_table(["app function (cumulative)", "% of profiled time"], profile["app_cumulative_pct"],
                       title=f"cProfile ({profile['total_ms_per_dispatch']} ms per dispatch under the profiler)")
    common.print_table(["called by accept_event()", "ms per dispatch (profiled)"],
                       profile["accept_event_callees_ms"])
    data = {"machine": common.machine_info(), "code": code, "events": args.events,
            "wall_ms": {"p50": times[len(times) // 2], "mean": sum(times) / len(times)},
            "statements_per_dispatch": per_request, "statements": statements,
            "load_snapshot_ms": snapshot_ms, "profile": profile}
    print(f"\nJSON: {common.write_json('dispatch_queries', data)}")


if __name__ == "__main__":
    with common.exclusive_run("dispatch_queries"):
        main()
