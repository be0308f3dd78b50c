"""Faults injected into Avisos as it runs in production, counted (docs/OPERATIONS.md's fault table).

    .venv/bin/python bench/faults.py [--events 400] [--database avisos_bench] [--only NAME ...] [--keep-db]

The stack: gunicorn with gunicorn.conf.py (2 gthread workers x 16 threads, the Procfile's `web`),
two `flask --app wsgi worker` processes and one `flask --app wsgi scheduler`, on PostgreSQL
(`--database`, dropped and recreated) and a private redis-server on a random port (stopped and
started by its pid; the shared Redis is never touched), with the test suite's SMTP and Evolution
peers (tests/peers/) in this process, which count what they receive per recipient. Each event goes
to its own customer (one email address, one WhatsApp number), so a recipient seen twice is a
duplicate. Clients send an Idempotency-Key and retry a 503 after 0.2 s (sooner than its
Retry-After, to keep runs short). Settings that differ from the defaults, to keep runs short:
RETRY_BACKOFF_SECONDS=2,2,2 and EVOLUTION_TIMEOUT=2.

For each fault: accepted events and messages, HTTP answers, messages delivered (distinct), lost
(accepted but never delivered), duplicated (delivered more than once) and the time to recover as
defined in the fault's row. Writes bench/results/<output>.json with the commit measured.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import requests  # noqa: E402

from bench import common  # noqa: E402
from tests.faults.harness import RedisServer, Tally, run_workload, terminate_connections, wait_until  # noqa: E402
from tests.peers.evolution import EvolutionPeer  # noqa: E402
from tests.peers.smtp import SmtpPeer  # noqa: E402

SETTINGS = {"RETRY_BACKOFF_SECONDS": "2,2,2", "EVOLUTION_TIMEOUT": "2", "LOG_LEVEL": "INFO",
            "WEB_CONCURRENCY": "2", "WEB_THREADS": "16"}
FINAL = ("sent", "failed", "delivered", "read")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=400, help="events per fault (two messages each)")
    parser.add_argument("--database", default=common.DB_NAME, help="PostgreSQL database (dropped and recreated)")
    parser.add_argument("--only", nargs="*", help="run only these faults (names as in the table)")
    parser.add_argument("--output", default="faults")
    parser.add_argument("--keep-db", action="store_true")
    return parser.parse_args()


@dataclass
class Stack:
    """Everything a fault run needs, started once."""

    redis: RedisServer
    smtp: SmtpPeer
    evolution: EvolutionPeer
    api_key: str = ""
    env: dict = field(default_factory=dict)
    web: common.Gunicorn | None = None
    workers: list = field(default_factory=list)
    scheduler: Any = None

    def start(self, api_key: str) -> Stack:
        self.api_key = api_key
        self.env = common.app_env({**self.smtp.settings(), **self.evolution.settings(), **SETTINGS,
                                   "DEFAULT_FROM_EMAIL": "Taller Avisos <avisos@taller.example>"})
        self.web = common.Gunicorn(workers=2, worker_class="gthread", threads=16, env=self.env).start()
        self.workers = common.start_rq_workers(2, self.env)
        self.scheduler = common.start_process([str(common.VENV_BIN / "flask"), "--app", "wsgi", "scheduler"],
                                              "scheduler", env=self.env)
        for worker in self.workers:
            wait_until(lambda w=worker: claimer_of(w.pid), 60, "a worker's liveness lock")
        return self

    def reset(self) -> None:
        """Empty tables and peers; replace a worker a fault killed."""
        wait_until(lambda: not busy_rows(), 120, "the previous fault's rows to settle")
        common.truncate_delivery_tables()
        self.smtp.reset()
        self.evolution.reset()
        for n, worker in enumerate(self.workers):
            if worker.poll() is not None:
                common.stop_process(worker)
                self.workers[n] = common.start_process([str(common.VENV_BIN / "flask"), "--app", "wsgi", "worker"],
                                                       f"worker-{n}b", env=self.env)
                wait_until(lambda w=self.workers[n]: claimer_of(w.pid), 60, "the new worker's liveness lock")

    def stop(self) -> None:
        common.stop_all([*self.workers, self.scheduler])
        if self.web is not None:
            self.web.stop()


# --- measuring ---------------------------------------------------------------------------------------

def claimer_of(pid: int) -> int | None:
    with common.pg_connect() as conn:
        row = conn.execute("SELECT application_name FROM pg_stat_activity WHERE application_name LIKE %s",
                           [f"avisos claimer % pid {pid}"]).fetchone()
    return int(row[0].split()[2]) if row else None


def busy_rows() -> int:
    with common.pg_connect() as conn:
        return conn.execute("SELECT count(*) FROM notifications WHERE status <> ALL(%s)", [list(FINAL)]).fetchone()[0]


def sent_rows() -> int:
    with common.pg_connect() as conn:
        return conn.execute("SELECT count(*) FROM notifications WHERE status = 'sent'").fetchone()[0]


def sent_after(moment: datetime) -> datetime | None:
    with common.pg_connect() as conn:
        return conn.execute("SELECT min(sent_at) FROM notifications WHERE sent_at > %s", [moment]).fetchone()[0]


def attempts_with(code: str) -> int:
    with common.pg_connect() as conn:
        return conn.execute("SELECT count(*) FROM delivery_attempts WHERE error_code = %s", [code]).fetchone()[0]


def poster(stack: Stack) -> Callable:
    local = threading.local()
    url = stack.web.base_url + common.DISPATCH_PATH

    def post(payload: dict, headers: dict):
        session = getattr(local, "session", None) or requests.Session()
        local.session = session
        try:
            res = session.post(url, json=payload, headers={"Authorization": f"ApiKey {stack.api_key}", **headers},
                               timeout=60)
        except requests.RequestException:
            return 599, {}, None  # counted as a failure of the client's request
        return res.status_code, res.headers, res.json() if res.content else None

    return post


def dispatch(stack: Stack, indexes: range, tally: Tally) -> threading.Thread:
    """Dispatch one event per index (customer bench-<index>) from 16 client threads, in the
    background; returns the thread."""
    thread = threading.Thread(target=run_workload, args=(poster(stack), indexes, tally, 16, True, 0.2),
                              kwargs={"payload": common.dispatch_body})
    thread.start()
    return thread


def result(name: str, stack: Stack, tally: Tally, recover: float | None, recover_means: str, timeout: float = 120,
           **extra) -> dict:
    """Wait until every accepted row is final, then count what the peers received."""
    expected = len(tally.accepted_rows)
    try:
        wait_until(lambda: not busy_rows(), timeout, "every row final", interval=0.2)
    except AssertionError:
        pass  # reported as lost
    email = {}
    for mail in stack.smtp.messages:
        email[str(mail.message["To"])] = email.get(str(mail.message["To"]), 0) + 1
    whatsapp = {}
    for body in stack.evolution.sent:
        whatsapp[body["number"]] = whatsapp.get(body["number"], 0) + 1
    delivered = len(email) + len(whatsapp)
    duplicated = sum(n - 1 for n in email.values()) + sum(n - 1 for n in whatsapp.values())
    row = {"fault": name, "accepted_events": tally.accepted_events, "accepted_messages": expected,
           "http": dict(sorted(tally.codes.items())), "delivered": delivered, "lost": expected - min(delivered, expected),
           "duplicated": duplicated, "recover_s": None if recover is None else round(recover, 2),
           "recover_means": recover_means, **extra}
    print(f"  {row}", flush=True)
    return row


# --- the faults ----------------------------------------------------------------------------------------

def db_blip_load(stack: Stack, events: int) -> dict:
    tally = Tally()
    load = dispatch(stack, range(events), tally)
    wait_until(lambda: tally.accepted_events >= events // 4, 120, "a quarter accepted")
    blip = time.monotonic()
    terminated = terminate_connections(common.BENCH_DSN)
    load.join(300)
    last_failure = max([t for t in tally.failed if t >= blip], default=blip)
    return result("database blip under load", stack, tally, last_failure - blip,
                  "pg_terminate_backend to the last request answered 503 (0: none was)",
                  terminated_connections=terminated)


def db_blip_idle(stack: Stack, events: int) -> dict:
    tally = Tally()
    dispatch(stack, range(20), tally).join(120)
    wait_until(lambda: not busy_rows(), 60, "idle")
    terminated = terminate_connections(common.BENCH_DSN)
    started = time.monotonic()
    status, _, body = poster(stack)(common.dispatch_body(20), {"Idempotency-Key": "idle-blip-first"})
    tally.note(status, {}, body)
    recover = time.monotonic() - started
    dispatch(stack, range(21, events), tally).join(300)
    return result("database blip while idle", stack, tally, recover,
                  "latency of the first request after (it answered %s)" % status, terminated_connections=terminated)


def db_blip_delivery(stack: Stack, events: int) -> dict:
    stack.evolution.script(delay=0.02, times=10 * events)
    tally = Tally()
    dispatch(stack, range(events), tally).join(300)
    wait_until(lambda: sent_rows() >= len(tally.accepted_rows) // 4, 120, "a quarter sent")
    blip = datetime.now(timezone.utc)
    terminated = terminate_connections(common.BENCH_DSN)
    resumed = wait_until(lambda: sent_after(blip), 60, "a send recorded after the blip", interval=0.05)
    return result("database blip during delivery", stack, tally, (resumed - blip).total_seconds(),
                  "pg_terminate_backend to the next recorded send", terminated_connections=terminated)


def worker_kill(stack: Stack, events: int) -> dict:
    stack.evolution.script(delay=0.05, times=10 * events)
    victim = stack.workers[0]
    claimer = claimer_of(victim.pid)
    tally = Tally()
    load = dispatch(stack, range(events), tally)

    def claimed() -> int:
        with common.pg_connect() as conn:
            return conn.execute("SELECT count(*) FROM notifications WHERE status = 'sending' AND claimed_by = %s",
                                [claimer]).fetchone()[0]

    held = wait_until(lambda: (n := claimed()) >= min(20, events // 10) and n, 120, "the worker to hold a claim",
                      interval=0.02)
    victim.kill()
    killed = time.monotonic()
    wait_until(lambda: claimed() == 0, 120, "its rows given back", interval=0.1)
    recover = time.monotonic() - killed
    load.join(300)
    return result("worker SIGKILLed mid-delivery", stack, tally, recover,
                  "SIGKILL to its claimed rows given back (SENDING_TIMEOUT_SECONDS is 300)", held_at_kill=held,
                  given_back=attempts_with("worker_lost"))


def redis_down(stack: Stack, events: int, during: str) -> dict:
    stack.evolution.script(delay=0.02, times=10 * events)
    tally = Tally()
    load = dispatch(stack, range(events), tally)
    if during == "dispatch":
        wait_until(lambda: tally.accepted_events >= events // 4, 120, "a quarter accepted")
    else:
        load.join(300)
        wait_until(lambda: sent_rows() >= len(tally.accepted_rows) // 4, 120, "a quarter sent")
    stack.redis.stop()
    time.sleep(5)  # a five-second outage, by design of the run
    stack.redis.start()
    back = time.monotonic()
    load.join(300)
    wait_until(lambda: not busy_rows(), 120, "every row final", interval=0.1)
    alive = sum(worker.poll() is None for worker in stack.workers) + (stack.scheduler.poll() is None)
    return result(f"Redis down 5 s during {during}", stack, tally, time.monotonic() - back,
                  "Redis back to every row sent", processes_alive_of_3=alive)


def redis_down_idle(stack: Stack, events: int) -> dict:
    """Redis goes while nothing is being delivered; events arrive during the outage."""
    stack.redis.stop()
    tally = Tally()
    dispatch(stack, range(events), tally).join(300)
    stack.redis.start()
    back = time.monotonic()
    wait_until(lambda: not busy_rows(), 120, "every row final", interval=0.1)
    alive = sum(worker.poll() is None for worker in stack.workers) + (stack.scheduler.poll() is None)
    return result("Redis down while idle, events dispatched meanwhile", stack, tally, time.monotonic() - back,
                  "Redis back to every row sent", processes_alive_of_3=alive)


def evolution_failing(stack: Stack, events: int, how: str) -> dict:
    failing = events // 2
    if how == "5xx":
        stack.evolution.script(503, {"status": 503, "error": "Service Unavailable"}, times=failing)
    else:
        stack.evolution.script(delay=3.0, times=failing)  # the gateway takes it, answers after our 2 s
        if how == "timeout, no lookup":
            stack.evolution.find_status = 404
    tally = Tally()
    started = time.monotonic()
    dispatch(stack, range(events), tally).join(300)
    wait_until(lambda: not busy_rows(), 180, "every row final", interval=0.1)
    return result(f"Evolution {how} ({failing} sends)", stack, tally, time.monotonic() - started,
                  "first dispatch to every row sent (backoff 2 s)", lookups=len(stack.evolution.lookups))


FAULTS: dict[str, Callable[[Stack, int], dict]] = {
    "db-load": db_blip_load,
    "db-idle": db_blip_idle,
    "db-delivery": db_blip_delivery,
    "worker-kill": worker_kill,
    "redis-dispatch": lambda stack, events: redis_down(stack, events, "dispatch"),
    "redis-delivery": lambda stack, events: redis_down(stack, events, "delivery"),
    "redis-idle": redis_down_idle,
    "evolution-5xx": lambda stack, events: evolution_failing(stack, events, "5xx"),
    "evolution-timeout": lambda stack, events: evolution_failing(stack, events, "timeout"),
    "evolution-timeout-no-lookup": lambda stack, events: evolution_failing(stack, events, "timeout, no lookup"),
}


def main() -> None:
    args = parse_args()
    code = common.code_state()
    common.use_database(args.database)
    redis = RedisServer().start()
    common.use_redis(redis.url)
    smtp, evolution = SmtpPeer().start(), EvolutionPeer().start()
    stack = Stack(redis, smtp, evolution)
    rows = []
    try:
        api_key = common.prepare_database(2000)
        common.enable_channels(["email", "whatsapp"])
        stack.start(api_key)
        for name, fault in FAULTS.items():
            if args.only and name not in args.only:
                continue
            print(f"{name} ...", flush=True)
            stack.reset()
            rows.append({"name": name, **fault(stack, args.events)})
        common.print_table(["fault", "accepted (msgs)", "HTTP", "delivered", "lost", "duplicated", "recover s"],
                           [[r["fault"], f"{r['accepted_events']} ({r['accepted_messages']})", r["http"], r["delivered"],
                             r["lost"], r["duplicated"], r["recover_s"]] for r in rows], title="Faults")
        data = {"date": datetime.now(timezone.utc).isoformat(timespec="seconds"), "machine": common.machine_info(),
                "code": common.check_code_unchanged(code), "events": args.events, "settings": SETTINGS, "faults": rows}
        print(f"\nJSON: {common.write_json(args.output, data)}")
    finally:
        stack.stop()
        smtp.stop()
        evolution.stop()
        redis.stop()
        if not args.keep_db:
            common.drop_database()


if __name__ == "__main__":
    with common.exclusive_run("faults"):
        main()
