"""How many of our files one dispatch and one delivery lane job run through (issue #13's measure).

Builds the app on PostgreSQL with Redis (the production path: RQ mode, group commit, the coalesced
delivery wake), seeds the initial data and one customer, points email and WhatsApp at the test
suite's SMTP and Evolution peers, then:

- dispatch: POST /api/v1/notifications/events/dispatch/ through the test client (a warm-up request
  first, so lazy imports and the snapshot load are not counted), and
- delivery: the RQ job `jobs.delivery.deliver_lane(0)` called in-process on the rows that dispatch
  queued (after a warm-up lane on the warm-up's rows),

with a profile hook on every thread (sys.setprofile + threading.setprofile) that records the
Python functions called while the measured operation runs. It prints, per path, the distinct files
under app/ and jobs/ those functions live in (and their folders), how often code in app/ called
into jobs/, and the file entered most often from another file; then the files per thread.

    PYTHONPATH=. .venv/bin/python bench/trace_paths.py \
        --database-url postgresql://postgres@127.0.0.1:5432/<db> --redis-url redis://127.0.0.1:6379/<n>

The database is dropped and recreated; the Redis database is flushed.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OURS = (str(ROOT / "app") + "/", str(ROOT / "jobs") + "/")

_recording = False
_seen: dict[str, set[str]] = defaultdict(set)
# Entries into each of our files from another file (all threads), and calls from app/ into jobs/.
_entries: dict[str, int] = defaultdict(int)
_app_to_jobs = 0


def _ours(filename: str) -> str | None:
    return filename[len(str(ROOT)) + 1:] if filename.startswith(OURS) else None


def _profile(frame, event, arg):
    global _app_to_jobs
    if not _recording or event != "call":
        return
    name = _ours(frame.f_code.co_filename)
    if name is None:
        return
    _seen[threading.current_thread().name].add(name)
    caller = _ours(frame.f_back.f_code.co_filename) if frame.f_back is not None else None
    if caller != name:
        _entries[name] += 1
    if caller is not None and caller.startswith("app/") and name.startswith("jobs/"):
        _app_to_jobs += 1


def _start(what: str) -> None:
    global _recording, _app_to_jobs
    _seen.clear()
    _entries.clear()
    _app_to_jobs = 0
    _recording = True
    print(f"-- {what}")


def _stop() -> tuple[dict[str, set[str]], dict[str, int], int]:
    global _recording
    time.sleep(0.3)  # the coalesced delivery wake runs on its own thread within its interval
    _recording = False
    return {name: set(files) for name, files in _seen.items()}, dict(_entries), _app_to_jobs


def _report(title: str, measured: tuple[dict[str, set[str]], dict[str, int], int]) -> None:
    seen, entries, app_to_jobs = measured
    every = set().union(*seen.values()) if seen else set()
    folders = {name.rpartition("/")[0] for name in every}
    busiest = max(entries.items(), key=lambda item: item[1]) if entries else ("-", 0)
    print(f"{title}: {len(every)} distinct files in {len(folders)} folders; calls from app/ into jobs/: "
          f"{app_to_jobs}; most entered file: {busiest[0]} ({busiest[1]} entries from other files)")
    top = sorted(entries.items(), key=lambda item: -item[1])[:6]
    print("  entries from other files: " + ", ".join(f"{name} {count}" for name, count in top))
    for thread, files in sorted(seen.items()):
        print(f"  thread {thread}: {len(files)} files")
        for name in sorted(files):
            print(f"    {name}")


def _recreate(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--redis-url", required=True)
    args = parser.parse_args()

    from redis import Redis

    from tests.peers.evolution import EvolutionPeer
    from tests.peers.smtp import SmtpPeer

    _recreate(args.database_url)
    Redis.from_url(args.redis_url).flushdb()
    smtp, evolution = SmtpPeer().start(), EvolutionPeer().start()
    sys.setprofile(_profile)
    threading.setprofile(_profile)
    try:
        run(args, smtp, evolution)
    finally:
        sys.setprofile(None)
        threading.setprofile(None)
        smtp.stop()
        evolution.stop()


def run(args, smtp, evolution) -> None:
    from flask_migrate import upgrade

    from app import create_app
    from app.extensions import db

    app = create_app({
        "DATABASE_URL": args.database_url, "REDIS_URL": args.redis_url, "JOBS_MODE": "rq",
        "SECRET_KEY": "trace", "INTERNAL_API_SECRET_KEY": "trace", "AVISOS_ENV": "testing",
        "DISPATCH_GROUP_COMMIT": "on", "RATELIMIT_ENABLED": False,
        **smtp.settings(DEFAULT_FROM_EMAIL="Avisos <avisos@taller.test>"), **evolution.settings(),
    })
    with app.app_context():
        upgrade()
        app.test_cli_runner().invoke(args=["seed-initial-data"])
        client = app.test_client()
        _customer()
        key = _api_key()
        body = {"event_type": "appointment_scheduled", "service_type_id": "mantenimiento-preventivo",
                "phase_id": "phase-schedule", "customer_id": "trace-1", "target": "clients",
                "context": {"nombre": "Carlos Mendoza", "placa": "ABC123", "vehiculo": "Haval H6 2024",
                            "fecha": "20 de Enero, 2026", "hora": "14:30"}}
        headers = {"Authorization": f"ApiKey {key}"}
        deliver_lane = _job("jobs.delivery.deliver_lane")

        assert client.post("/api/v1/notifications/events/dispatch/", json=body, headers=headers).status_code == 202
        time.sleep(0.3)
        deliver_lane(0)  # warm-up: connections, imports
        db.session.remove()

        _start("dispatch (POST .../events/dispatch/, group commit, rq)")
        response = client.post("/api/v1/notifications/events/dispatch/", json=body, headers=headers)
        dispatch = _stop()
        assert response.status_code == 202, response.get_json()
        db.session.remove()

        _start("delivery (jobs.delivery.deliver_lane(0))")
        totals = deliver_lane(0)
        delivery = _stop()
        print(f"   lane result: {totals}")
        _report("dispatch path", dispatch)
        _report("delivery path", delivery)


def _customer() -> None:
    from app.extensions import db
    from app.models import Customer

    db.session.add(Customer(customer_id="trace-1", first_name="Carlos", last_name="Mendoza",
                            email="carlos@example.com", phone="+593991234567"))
    db.session.commit()


def _api_key() -> str:
    from app.api.auth import generate_api_key
    from app.extensions import db

    _, raw = generate_api_key("trace", scopes="dispatch read")
    db.session.commit()
    return raw


def _job(dotted: str):
    import importlib

    module, name = dotted.rsplit(".", 1)
    return getattr(importlib.import_module(module), name)


if __name__ == "__main__":
    main()
