"""What reading API keys costs where a revocation must take effect at once (docs/SECURITY.md),
against the per-process cache that let a revoked key work for up to 30 s.

In-process, one thread, on PostgreSQL: N calls of the per-request key read (every API call but
dispatches stored by the dispatch writer) and of the old cache; N calls of a SELECT of a batch's
keys on a kept autocommit connection (the design the dispatch_events trigger replaced); and N
authenticated GETs of a cheap endpoint through Flask's test client with each of the first two. Reports wall and CPU
microseconds per call for this process and for the PostgreSQL backend that served the reads (its
/proc/<pid>/stat; run as a user that may read it).

    .venv/bin/python bench/api_key_check.py [--requests 3000] [--database-url URL]

The database named by --database-url is dropped and recreated (default: the benchmarks' avisos_bench).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common  # noqa: E402


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--database-url", default=common.BENCH_DSN)
    return parser.parse_args()


def _recreate(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    with common.pg_connect(common.PG_ADMIN_DSN) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def _backend_cpu(pid: int) -> float:
    """CPU seconds (user + system) the PostgreSQL backend `pid` has used."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _measure(label: str, call, count: int, backend_pid: int) -> dict:
    for _ in range(200):
        call()
    wall, cpu, server = time.perf_counter(), time.process_time(), _backend_cpu(backend_pid)
    for _ in range(count):
        call()
    row = {"case": label, "wall_us": 1e6 * (time.perf_counter() - wall) / count,
           "cpu_us": 1e6 * (time.process_time() - cpu) / count,
           "server_cpu_us": 1e6 * (_backend_cpu(backend_pid) - server) / count}
    print(f"{label:48s} wall {row['wall_us']:7.1f} us   client CPU {row['cpu_us']:7.1f} us   "
          f"PostgreSQL CPU {row['server_cpu_us']:6.1f} us", flush=True)
    return row


def main() -> None:
    args = parse_args()
    _recreate(args.database_url)
    os.environ.update(DATABASE_URL=args.database_url, SECRET_KEY="bench", INTERNAL_API_SECRET_KEY="bench",
                      AVISOS_ENV="production", LOG_LEVEL="WARNING", RATE_LIMIT_DEFAULT="100000000/hour",
                      DB_POOL_SIZE="1", DB_MAX_OVERFLOW="0")
    os.environ.pop("REDIS_URL", None)
    from flask_migrate import upgrade
    from sqlalchemy import text

    from app import create_app
    from app.api import auth
    from app.extensions import db

    app = create_app()
    with app.app_context():
        upgrade()
        _, raw = auth.generate_api_key("bench", scopes="read")
        db.session.commit()
        key_hash = auth.hash_key(raw)
        # One pooled connection (DB_POOL_SIZE=1): every read goes to this backend.
        backend_pid = db.session.execute(text("SELECT pg_backend_pid()")).scalar()
        db.session.remove()
    client = app.test_client()
    headers = {"X-API-Key": raw}
    live = auth._lookup
    cache: dict = {}

    def cached(h: str):
        if h not in cache:
            cache[h] = live(h)
        return cache[h]

    def request():  # each request in its own app context, as in production
        assert client.get("/api/v1/notifications/phases/", headers=headers).status_code == 200

    rows = []
    with app.app_context():
        rows.append(_measure("key check alone, read per request (now)", lambda: live(key_hash), args.requests,
                             backend_pid))
        rows.append(_measure("key check alone, per-process cache (before)", lambda: cached(key_hash),
                             args.requests, backend_pid))
        from app import pg_direct
        from app.access import api_keys

        key_id = live(key_hash).api_key_id
        writer = pg_direct.writer_connection()  # the pool's one connection, kept as the writer keeps its own
        writer_pid = writer.execute("SELECT pg_backend_pid()").fetchone()[0]
        live_among = api_keys._live_among(True)  # the SELECT per writer batch that the trigger replaced
        rows.append(_measure("a SELECT per writer batch (rejected design)",
                             lambda: pg_direct.fetch_all(live_among, {"ids": [key_id]}, writer), args.requests,
                             writer_pid))
        pg_direct.release_writer_connection()  # closed: the pool opens a new one, on another backend
        backend_pid = db.session.execute(text("SELECT pg_backend_pid()")).scalar()
        db.session.remove()
    rows.append(_measure("authenticated GET, read per request (now)", request, args.requests, backend_pid))
    auth._lookup = cached
    rows.append(_measure("authenticated GET, per-process cache (before)", request, args.requests, backend_pid))
    auth._lookup = live
    with app.app_context():
        db.engine.dispose()
    added = rows[0]["cpu_us"] + rows[0]["server_cpu_us"] - rows[1]["cpu_us"] - rows[1]["server_cpu_us"]
    print(f"per-request read: added CPU per request (client + PostgreSQL) {added:.1f} us")
    per_batch = rows[2]["cpu_us"] + rows[2]["server_cpu_us"]
    print(f"a SELECT per writer batch: {per_batch:.1f} us of CPU per batch")


if __name__ == "__main__":
    main()
