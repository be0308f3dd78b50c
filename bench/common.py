"""Shared helpers for the Avisos benchmarks (bench/*.py).

Everything here runs on loopback against a dedicated PostgreSQL database (`avisos_bench`, dropped
and recreated) and a dedicated Redis database (9, flushed). Every process started through this
module runs in its own session (process group) so it can be stopped together with its children,
and every wait is bounded in time.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Iterable, Sequence

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
RESULTS = BENCH / "results"
LOGS = RESULTS / "logs"
VENV_BIN = ROOT / ".venv" / "bin"
# The checkout whose app the processes run (default: this one). Another worktree, e.g. main's at a
# branch point, runs the same harness against other code for before/after runs in the same minutes.
APP_ROOT = Path(os.environ.get("AVISOS_BENCH_APP") or ROOT).resolve()
PYTHON = str(VENV_BIN / "python")

# AVISOS_BENCH_DB and AVISOS_BENCH_REDIS_URL move a run to another database / Redis database.
DB_NAME = os.environ.get("AVISOS_BENCH_DB", "avisos_bench")
PG_ADMIN_DSN = "postgresql://postgres@127.0.0.1:5432/postgres"
BENCH_DSN = f"postgresql://postgres@127.0.0.1:5432/{DB_NAME}"
REDIS_URL = os.environ.get("AVISOS_BENCH_REDIS_URL", "redis://127.0.0.1:6379/9")

SERVICE_TYPE = "mantenimiento-preventivo"
PHASE = "phase-schedule"
TARGET = "clients"
# The variables the seeded phase-schedule templates use (app/catalog/seed_data/templates.py,
# PHASE_VARIABLES["phase-schedule"]); Fase, Taller, Servicio and Enlace are filled by Avisos.
CONTEXT = {"nombre": "Carlos Mendoza", "placa": "ABC123", "vehiculo": "Haval H6 2024",
           "fecha": "20 de Enero, 2026", "hora": "14:30"}
DISPATCH_PATH = "/api/v1/notifications/events/dispatch/"
CUSTOMER_PREFIX = "bench-"
DELIVERY_TABLES = ("delivery_attempts", "inbound_messages", "notifications", "dispatch_events")
# dispatch_rate.py --floor: what bench/floor_app.py serves in place of the dispatch view.
FLOOR_MODES = ("bare", "guarded", "grouped")


# --- environment and the flask CLI ------------------------------------------------------------------

def app_env(extra: dict[str, Any] | None = None) -> dict[str, str]:
    """The environment every Avisos process of the benchmark runs with."""
    env = dict(os.environ)
    env.update({
        "DATABASE_URL": BENCH_DSN,
        "REDIS_URL": REDIS_URL,
        "SECRET_KEY": "bench",
        "INTERNAL_API_SECRET_KEY": "bench",
        "AVISOS_ENV": "production",
        "LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
        # The limiter stays on (its Redis check is part of the measured cost), with a dispatch limit
        # high enough that a benchmark's single API key never hits it.
        "RATE_LIMIT_DISPATCH": "100000000/hour",
    })
    env.pop("JOBS_MODE", None)
    env.update({k: str(v) for k, v in (extra or {}).items()})
    return env


def run_flask(args: Sequence[str], timeout: float = 300) -> str:
    """Run `flask --app wsgi ARGS` in /work/main; return stdout, raise with stderr on failure."""
    cmd = [str(VENV_BIN / "flask"), "--app", "wsgi", *args]
    done = subprocess.run(cmd, cwd=APP_ROOT, env=app_env(), capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return done.stdout


def seed_command_available() -> bool:
    """True when `seed-initial-data` is registered (app/cli/seed.py exists and imports)."""
    return "seed-initial-data" in run_flask(["--help"], timeout=60)


def wait_for_seed_command(max_wait: float) -> None:
    """Wait (bounded) for the seed command another engineer is writing."""
    deadline = time.monotonic() + max_wait
    while not seed_command_available():
        if time.monotonic() >= deadline:
            raise SystemExit("`flask --app wsgi seed-initial-data` is not available (app/cli/seed.py missing?)")
        print("waiting for the seed-initial-data command ...", flush=True)
        time.sleep(30)


# --- one benchmark at a time ---------------------------------------------------------------------

LOCK_PATH = Path("/tmp/avisos-bench.lock")


@contextmanager
def exclusive_run(name: str):
    """Refuse to run next to another benchmark: they share avisos_bench, Redis db 9 and the 2 cores."""
    import fcntl

    with open(LOCK_PATH, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            raise SystemExit(f"another benchmark is running ({handle.read().strip() or 'unknown'}); "
                             "they share the database, Redis db 9 and the CPUs, so run them one at a time")
        handle.seek(0)
        handle.truncate()
        handle.write(f"{name} pid {os.getpid()}")
        handle.flush()
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


# --- database and redis -------------------------------------------------------------------------------

def use_database(name: str) -> None:
    """Run against another database than avisos_bench (dropped and recreated all the same)."""
    global DB_NAME, BENCH_DSN
    DB_NAME, BENCH_DSN = name, f"postgresql://postgres@127.0.0.1:5432/{name}"


def use_redis(url: str) -> None:
    """Point the app processes (and flush_redis) at another Redis, e.g. a private redis-server."""
    global REDIS_URL
    REDIS_URL = url


def pg_connect(dsn: str | None = None, autocommit: bool = True):
    import psycopg

    return psycopg.connect(dsn or BENCH_DSN, autocommit=autocommit)


def reset_database(name: str | None = None) -> None:
    """Drop and recreate the benchmark database (or the database `name`)."""
    name = name or DB_NAME
    with pg_connect(PG_ADMIN_DSN) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def in_process_app(dsn: str):
    """The app on `dsn` for benchmarks that call it in process: inline jobs, no Redis, no limits."""
    from app import create_app

    return create_app({"DATABASE_URL": dsn, "AVISOS_ENV": "bench", "JOBS_MODE": "inline", "REDIS_URL": None,
                       "SECRET_KEY": "bench", "RQ_DASHBOARD_REDIS_URL": None, "RATELIMIT_ENABLED": False})


def drop_database() -> None:
    with pg_connect(PG_ADMIN_DSN) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")


def cleanup(keep_db: bool) -> None:
    """End of a benchmark: drop the database (unless kept for inspection) and flush Redis db 9."""
    if not keep_db:
        drop_database()
        flush_redis()


def redis_client():
    from redis import Redis

    return Redis.from_url(REDIS_URL, socket_timeout=5, socket_connect_timeout=2)


def flush_redis() -> None:
    redis_client().flushdb()


def insert_customers(count: int) -> None:
    """COPY `count` customers bench-0..count-1, each with an email and an Ecuadorian mobile number."""
    with pg_connect() as conn, conn.cursor() as cur:
        columns = ("id, customer_id, first_name, last_name, email, phone, whatsapp, is_active, "
                   "reminder_email_opt_out, sync_version, created_at, updated_at")
        with cur.copy(f"COPY customers ({columns}) FROM STDIN") as copy:
            for i in range(count):
                copy.write_row((
                    _uuid(), f"{CUSTOMER_PREFIX}{i}", "Cliente", f"Bench {i}", f"bench{i}@example.com",
                    f"+5939{i:08d}", "", True, False, 0, _now(), _now(),
                ))


def _uuid():
    import uuid

    return uuid.uuid4()


def _now():
    from datetime import datetime, timezone

    return datetime.now(timezone.utc)


def phase_channels(service_type: str = SERVICE_TYPE, phase: str = PHASE, target: str = TARGET) -> dict[str, bool]:
    """The global matrix cells (channel -> enabled) for one service type, phase and target."""
    sql = """
        SELECT c.channel, c.enabled FROM phase_channel_configs c
        JOIN orchestration_configs o ON o.id = c.config_id
        JOIN service_types t ON t.id = o.service_type_id
        JOIN service_phases p ON p.id = c.phase_id
        WHERE t.slug = %s AND p.slug = %s AND o.target = %s AND o.workshop_id IS NULL
    """
    with pg_connect() as conn:
        return dict(conn.execute(sql, (service_type, phase, target)).fetchall())


def enable_channels(channels: Iterable[str], service_type: str = SERVICE_TYPE, phase: str = PHASE,
                    target: str = TARGET) -> None:
    """Switch the given global matrix cells on (a no-op when the seed already did)."""
    sql = """
        UPDATE phase_channel_configs c SET enabled = true
        FROM orchestration_configs o, service_types t, service_phases p
        WHERE o.id = c.config_id AND t.id = o.service_type_id AND p.id = c.phase_id
          AND t.slug = %s AND p.slug = %s AND o.target = %s AND o.workshop_id IS NULL
          AND c.channel = ANY(%s)
    """
    with pg_connect() as conn:
        conn.execute(sql, (service_type, phase, target, list(channels)))


def truncate_delivery_tables(attempts: int = 5) -> None:
    """TRUNCATE the event, notification and attempt tables; retried when a request still in flight
    from the previous load holds a lock (deadlock or lock timeout)."""
    import psycopg

    for attempt in range(1, attempts + 1):
        try:
            with pg_connect() as conn:
                conn.execute("SET lock_timeout = '5s'")
                conn.execute(f"TRUNCATE {', '.join(_existing(conn, DELIVERY_TABLES))}")
            return
        except (psycopg.errors.DeadlockDetected, psycopg.errors.LockNotAvailable):
            if attempt == attempts:
                raise
            time.sleep(1)


def _existing(conn, tables: Sequence[str]) -> list[str]:
    """The tables the measured app's schema has (an older checkout under AVISOS_BENCH_APP may lack
    newer ones)."""
    present = {row[0] for row in conn.execute("SELECT t FROM unnest(%s::text[]) AS t WHERE to_regclass(t) IS NOT NULL",
                                              [list(tables)])}
    return [t for t in tables if t in present]


def table_counts() -> dict[str, int]:
    with pg_connect() as conn:
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in _existing(conn, DELIVERY_TABLES)}


def notification_status_counts() -> dict[tuple[str, str], int]:
    """(channel, status) -> rows."""
    with pg_connect() as conn:
        rows = conn.execute("SELECT coalesce(channel, '-'), status, count(*) FROM notifications GROUP BY 1, 2")
        return {(channel, status): n for channel, status, n in rows.fetchall()}


STATS_MODES = ("analyzed", "skewed", "as-is")


def set_notification_stats(mode: str) -> None:
    """Give the planner known statistics for `notifications` before delivery starts.

    analyzed: ANALYZE with the queued rows in place (the planner knows many rows are claimable).
    skewed:   statistics taken while every row was `sent`, as on a production table whose history is
              all sent rows, then the rows are queued again: the planner expects ~1 claimable row.
    as-is:    whatever autovacuum has done so far (not reproducible).
    """
    with pg_connect() as conn:
        if mode == "analyzed":
            conn.execute("ANALYZE notifications")
        elif mode == "skewed":
            conn.execute("UPDATE notifications SET status = 'sent' WHERE status = 'queued'")
            conn.execute("ANALYZE notifications")
            conn.execute("UPDATE notifications SET status = 'queued' WHERE status = 'sent'")
        elif mode != "as-is":
            raise ValueError(f"unknown statistics mode {mode!r}")


def claim_batches() -> list[int]:
    """Rows per claim, in claim order (every claim stamps its rows with one claimed_at)."""
    sql = ("SELECT count(*) FROM notifications WHERE claimed_at IS NOT NULL "
           "GROUP BY claimed_at ORDER BY claimed_at")
    with pg_connect() as conn:
        return [n for (n,) in conn.execute(sql).fetchall()]


def prepare_database(customers: int, seed_wait: float = 1500) -> str:
    """Fresh database: migrate, seed, API key, customers; Redis db flushed. Returns the API key."""
    wait_for_seed_command(seed_wait)
    reset_database()
    flush_redis()
    run_flask(["db", "upgrade"])
    run_flask(["seed-initial-data"])
    key = run_flask(["create-api-key", "bench", "--scopes", "dispatch read"]).strip().splitlines()[-1].strip()
    insert_customers(customers)
    return key


# --- processes -------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_process(cmd: Sequence[str], log_name: str, env: dict[str, str] | None = None,
                  stdout=None) -> subprocess.Popen:
    """Start `cmd` in its own session; stderr (and stdout unless given) go to results/logs/."""
    LOGS.mkdir(parents=True, exist_ok=True)
    log = open(LOGS / f"{log_name}.log", "ab")  # noqa: SIM115 - closed with the process
    proc = subprocess.Popen(cmd, cwd=APP_ROOT, env=env or app_env(), stdout=stdout or log, stderr=log,
                            start_new_session=True)
    proc._bench_log = log  # type: ignore[attr-defined]
    return proc


def stop_process(proc: subprocess.Popen | None, timeout: float = 10) -> None:
    """SIGTERM the process group, then SIGKILL it if it is still there after `timeout`."""
    if proc is None:
        return
    for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 5)):
        if proc.poll() is not None:
            break
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            break
        try:
            proc.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            continue
    _kill_leftover_group(proc.pid)
    log = getattr(proc, "_bench_log", None)
    if log is not None:
        log.close()


def _kill_leftover_group(pgid: int) -> None:
    """Children that outlived their group leader (same pgid) are killed too."""
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def child_pids(pid: int) -> list[int]:
    """Direct children of `pid` (scans /proc)."""
    children = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == pid:
            children.append(int(entry.name))
    return sorted(children)


def proc_status_kb(pid: int, field_name: str) -> int | None:
    """A `kB` field of /proc/<pid>/status (VmHWM = peak resident set, VmRSS = current)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field_name + ":"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def peak_memory_mb(pids: Iterable[int]) -> dict[int, float | None]:
    """pid -> VmHWM in MiB (None when the process is gone)."""
    result = {}
    for pid in pids:
        kb = proc_status_kb(pid, "VmHWM")
        result[pid] = round(kb / 1024, 1) if kb is not None else None
    return result


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process so far."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


def _cpu_by_command() -> dict[str, float]:
    """CPU seconds (user + system) of every live process, summed per command name."""
    ticks = os.sysconf("SC_CLK_TCK")
    totals: dict[str, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        name = stat[stat.index("(") + 1:stat.rindex(")")]
        fields = stat.rsplit(")", 1)[1].split()
        totals[name] = totals.get(name, 0.0) + (int(fields[11]) + int(fields[12])) / ticks
    return totals


def _machine_jiffies() -> tuple[int, int]:
    """(busy, total) jiffies of all CPUs from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return sum(values) - idle, sum(values)


class CpuWindow:
    """Where the machine's CPU went between start() and stop(): busy share and seconds per command.

    Processes that exit inside the window (e.g. wrk) lose their share; short-lived children of
    this script are added from RUSAGE_CHILDREN under the name `children-of-bench`.
    """

    def start(self) -> CpuWindow:
        import resource

        self._by_command = _cpu_by_command()
        self._jiffies = _machine_jiffies()
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        self._children = usage.ru_utime + usage.ru_stime
        self._clock = time.monotonic()
        return self

    def stop(self, top: int = 8) -> dict[str, Any]:
        import resource

        after = _cpu_by_command()
        busy, total = _machine_jiffies()
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        delta = {name: round(after[name] - self._by_command.get(name, 0.0), 1) for name in after}
        delta["children-of-bench"] = round(usage.ru_utime + usage.ru_stime - self._children, 1)
        ranked = dict(sorted(((k, v) for k, v in delta.items() if v >= 0.1), key=lambda kv: -kv[1])[:top])
        return {
            "wall_s": round(time.monotonic() - self._clock, 1),
            "machine_busy_pct": round(100 * (busy - self._jiffies[0]) / max(1, total - self._jiffies[1]), 1),
            "cpu_s_by_command": ranked,
        }


def wait_http(url: str, timeout: float = 30, proc: subprocess.Popen | None = None) -> None:
    """Poll `url` until it answers 200 (bounded)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited ({proc.returncode}) before {url} answered")
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                if resp.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, OSError):
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {timeout} s")


@dataclass
class Gunicorn:
    """A gunicorn master serving wsgi:app (or `app_spec`) on loopback."""

    workers: int | None = 4  # None: as the app's gunicorn.conf.py decides (WEB_CONCURRENCY or its default)
    worker_class: str = "sync"
    threads: int = 1
    port: int = field(default_factory=free_port)
    env: dict[str, str] | None = None
    proc: subprocess.Popen | None = None
    app_spec: str = "wsgi:app"  # what gunicorn serves (bench/floor_app.py: "bench.floor_app:app")

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Gunicorn:
        # The app sizes its database pool from WEB_THREADS (gunicorn.conf.py, app/config.py).
        env = {**(self.env or app_env()), "WEB_THREADS": str(self.threads)}
        if self.workers is None:
            self.workers = configured_workers(env)
        cmd = [str(VENV_BIN / "gunicorn"), "--config", str(APP_ROOT / "gunicorn.conf.py"),
               "--workers", str(self.workers), "--worker-class", self.worker_class, "--threads", str(self.threads),
               "--bind", f"127.0.0.1:{self.port}", "--log-level", "warning", self.app_spec]
        self.proc = start_process(cmd, "gunicorn", env=env)
        wait_http(self.base_url + "/healthz", timeout=60, proc=self.proc)
        self._wait_workers()
        return self

    def _wait_workers(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while len(self.worker_pids()) < self.workers and time.monotonic() < deadline:
            time.sleep(0.2)

    def worker_pids(self) -> list[int]:
        return child_pids(self.proc.pid) if self.proc else []

    def peak_memory(self) -> dict[int, float | None]:
        return peak_memory_mb(self.worker_pids())

    def stop(self) -> None:
        stop_process(self.proc)
        self.proc = None


def configured_workers(env: dict[str, str]) -> int:
    """The worker count the measured app's gunicorn.conf.py gives in `env` (read in a child process:
    the file changes the environment and gunicorn's module it runs in)."""
    code = "import runpy, sys; print(runpy.run_path(sys.argv[1])['workers'])"
    out = subprocess.run([str(VENV_BIN / "python"), "-c", code, str(APP_ROOT / "gunicorn.conf.py")], env=env,
                         capture_output=True, text=True, check=True, timeout=60)
    return int(out.stdout.strip().splitlines()[-1])


def start_rq_workers(count: int, env: dict[str, str]) -> list[subprocess.Popen]:
    """`flask --app wsgi worker` processes (RQ SimpleWorker; timed jobs are the scheduler process's)."""
    return [start_process([str(VENV_BIN / "flask"), "--app", "wsgi", "worker"], f"worker-{i}", env=env)
            for i in range(count)]


def stop_all(procs: Iterable[subprocess.Popen | None]) -> None:
    for proc in procs:
        try:
            stop_process(proc)
        except Exception as err:  # noqa: BLE001 - keep stopping the others
            print(f"could not stop pid {getattr(proc, 'pid', '?')}: {err}", file=sys.stderr)


# --- HTTP client helpers -----------------------------------------------------------------------------

# Extra dispatch fields every request carries (dispatch_rate.py --policy adds a send_at).
DISPATCH_EXTRA: dict[str, Any] = {}


def dispatch_body(customer_index: int) -> dict[str, Any]:
    """One phase-schedule event for customer bench-<index> (tests/factories.py dispatch_payload shape)."""
    return {
        "event_type": "appointment_scheduled", "service_type_id": SERVICE_TYPE, "phase_id": PHASE,
        "customer_id": f"{CUSTOMER_PREFIX}{customer_index}", "target": TARGET, "context": dict(CONTEXT),
        **DISPATCH_EXTRA,
    }


def enable_policy(reminders: bool = True) -> None:
    """Delivery policy on (issue #15), the costly way for dispatch: a global send window per channel
    that is closed today and tomorrow (every message is deferred, and its opening's backlog counter
    taken), a backlog rate, per-customer caps, and an appointment reminder 24 h before on every
    orchestration config (a second, scheduled event per dispatch); every request then carries a
    send_at two days ahead and an appointment four days ahead."""
    import json as _json

    today = datetime.now(timezone.utc).date()
    closed = [str(today - timedelta(days=1)), str(today), str(today + timedelta(days=1))]
    hours = {day: ["08:00-19:00"] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    with pg_connect() as conn:
        for channel in ("email", "whatsapp", "push"):
            conn.execute("INSERT INTO delivery_policies (id, workshop_id, channel, hours, closed_dates, per_minute, "
                         "cap_count, cap_minutes, created_at, updated_at) VALUES (%s, NULL, %s, %s, %s, 600, 5, 60, "
                         "now(), now())", (_uuid(), channel, _json.dumps(hours), _json.dumps(closed)))
        if reminders:
            conn.execute("UPDATE orchestration_configs SET reminder_hours_before = 24, updated_at = now()")
    later = datetime.now(timezone.utc) + timedelta(days=2)
    DISPATCH_EXTRA["send_at"] = later.isoformat()
    CONTEXT.update({"fecha": (later + timedelta(days=2)).strftime("%Y-%m-%d"), "hora": "14:30"})


def post_json(url: str, body: Any, headers: dict[str, str], timeout: float = 30) -> tuple[int, Any]:
    """POST JSON; returns (status, parsed body or text)."""
    data = json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method="POST",
                                 headers={"Content-Type": "application/json", **headers})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            status, raw = resp.status, resp.read()
    except urllib.error.HTTPError as err:
        status, raw = err.code, err.read()
    try:
        return status, json.loads(raw)
    except ValueError:
        return status, raw.decode(errors="replace")


def probe_dispatch(base_url: str, api_key: str) -> dict[str, Any]:
    """Send one event; fail loudly unless it is accepted (e.g. 400 missing_variables)."""
    status, body = post_json(base_url + DISPATCH_PATH, dispatch_body(0), {"Authorization": f"ApiKey {api_key}"})
    if status != 202:
        raise RuntimeError(f"probe dispatch answered {status}: {body}")
    return body


# --- wrk ---------------------------------------------------------------------------------------------

LUA_TEMPLATE = r"""-- Generated by bench/common.py: %(what)s; counts status codes per thread.
local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("tid", counter)
  table.insert(threads, thread)
end

function init(args)
  math.randomseed(os.time() * 1000 + tid)
  statuses = {}
end

local headers = { ["Content-Type"] = "application/json", ["Authorization"] = [==[%(auth)s]==] }
local prefix = [==[%(prefix)s]==]
local suffix = [==[%(suffix)s]==]

function request()
%(request_body)s
end

function response(status, hdrs, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local total = {}
  for _, t in ipairs(threads) do
    local s = t:get("statuses") or {}
    for code, n in pairs(s) do total[code] = (total[code] or 0) + n end
  end
  for code, n in pairs(total) do io.write(string.format("STATUS %%d %%d\n", code, n)) end
end
"""

DISPATCH_REQUEST = """  local id = math.random(0, %(customers)d - 1)
  return wrk.format("POST", "%(path)s", headers, prefix .. id .. suffix)"""
GET_REQUEST = """  return wrk.format("GET", "%(path)s")"""


def write_lua(name: str, *, api_key: str = "", customers: int = 0, get_path: str | None = None) -> Path:
    """A wrk script: random-customer dispatch POSTs, or plain GETs of `get_path`; both count statuses."""
    marker = "__CUSTOMER_INDEX__"
    body = json.dumps(dispatch_body(0) | {"customer_id": CUSTOMER_PREFIX + marker}, separators=(",", ":"))
    prefix, suffix = body.split(marker)
    if get_path is None:
        request_body = DISPATCH_REQUEST % {"customers": customers, "path": DISPATCH_PATH}
        what = f"POST {DISPATCH_PATH} for {CUSTOMER_PREFIX}0..{customers - 1}"
    else:
        request_body = GET_REQUEST % {"path": get_path}
        what = f"GET {get_path}"
    script = LUA_TEMPLATE % {"what": what, "auth": f"ApiKey {api_key}", "prefix": prefix, "suffix": suffix,
                             "request_body": request_body}
    path = RESULTS / f"{name}.lua"
    RESULTS.mkdir(parents=True, exist_ok=True)
    path.write_text(script)
    return path


def wrk_binary() -> str:
    path = shutil.which("wrk") or ("/usr/bin/wrk" if Path("/usr/bin/wrk").exists() else None)
    if path is None:
        raise SystemExit("wrk is not installed: apt-get install wrk")
    return path


def run_wrk(url: str, lua: Path, connections: int, duration: int = 15, threads: int = 2,
            timeout: str = "10s") -> dict[str, Any]:
    """Run wrk --latency and return the parsed figures (plus the raw output)."""
    cmd = [wrk_binary(), f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency",
           "--timeout", timeout, "-s", str(lua), url]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 60)
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr}")
    result = parse_wrk(done.stdout)
    result["command"] = " ".join(cmd)
    result["raw"] = done.stdout
    return result


_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def _to_ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip())
    if not match:
        raise ValueError(f"not a wrk duration: {text!r}")
    return round(float(match.group(1)) * _UNITS_MS[match.group(2)], 3)


def parse_wrk(output: str) -> dict[str, Any]:
    """requests/s, latency percentiles (ms), totals, socket errors and the Lua status counts."""
    result: dict[str, Any] = {"latency_ms": {}, "statuses": {}, "socket_errors": {}}
    for line in output.splitlines():
        text = line.strip()
        if m := re.match(r"(50|75|90|99)%\s+(\S+)", text):
            result["latency_ms"][f"p{m.group(1)}"] = _to_ms(m.group(2))
        elif m := re.match(r"Latency\s+(\S+)\s+(\S+)\s+(\S+)", text):
            result["latency_ms"]["avg"], result["latency_ms"]["max"] = _to_ms(m.group(1)), _to_ms(m.group(3))
        elif m := re.match(r"(\d+) requests in ([\d.]+)(\w+)", text):
            result["requests"], result["duration_s"] = int(m.group(1)), _to_ms(m.group(2) + m.group(3)) / 1000
        elif m := re.match(r"Requests/sec:\s+([\d.]+)", text):
            result["requests_per_s"] = float(m.group(1))
        elif m := re.match(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text):
            result["socket_errors"] = dict(zip(("connect", "read", "write", "timeout"), map(int, m.groups())))
        elif m := re.match(r"Non-2xx or 3xx responses: (\d+)", text):
            result["non_2xx_3xx_wrk"] = int(m.group(1))
        elif m := re.match(r"STATUS (\d+) (\d+)", text):
            result["statuses"][m.group(1)] = int(m.group(2))
    result["non_2xx"] = sum(n for code, n in result["statuses"].items() if not code.startswith("2"))
    return result


# --- profiling (optional) ----------------------------------------------------------------------------

def py_spy_binary() -> str | None:
    path = VENV_BIN / "py-spy"
    return str(path) if path.exists() else shutil.which("py-spy")


def start_py_spy(pid: int, seconds: int, name: str, gil_only: bool = False) -> subprocess.Popen | None:
    """`py-spy record` the process for `seconds` into results/<name>.txt (collapsed stacks).

    By default py-spy samples threads that are not idle (waiting on a socket in Python code counts
    as active); with `gil_only` only the thread holding the GIL, i.e. Python CPU time.
    """
    binary = py_spy_binary()
    if binary is None:
        print("py-spy not installed (.venv/bin/pip install py-spy); no profile", file=sys.stderr)
        return None
    out = RESULTS / f"{name}.txt"
    cmd = [binary, "record", "--pid", str(pid), "--duration", str(seconds), "--rate", "200",
           "--format", "raw", "--nonblocking", "--output", str(out)] + (["--gil"] if gil_only else [])
    return start_process(cmd, f"py-spy-{name}", env=dict(os.environ))


def summarize_collapsed(path: Path, top: int = 15) -> dict[str, Any]:
    """Self and inclusive sample shares per function from a collapsed-stacks file."""
    own: dict[str, int] = {}
    inclusive: dict[str, int] = {}
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        total += count
        frames = [_short_frame(f) for f in stack.split(";")]
        own[frames[-1]] = own.get(frames[-1], 0) + count
        for frame in set(frames):
            inclusive[frame] = inclusive.get(frame, 0) + count
    def share(table):
        ranked = sorted(table.items(), key=lambda kv: -kv[1])[:top]
        return [(name, round(100 * n / total, 1)) for name, n in ranked]
    return {"samples": total, "self_pct": share(own), "inclusive_pct": share(inclusive)}


def _short_frame(frame: str) -> str:
    """'func (path/to/file.py:123)' -> 'func (file.py)' so lines of one function add up."""
    match = re.match(r"(.*) \((.*?):\d+\)$", frame)
    if not match:
        return frame
    func, file = match.groups()
    for marker in ("site-packages/", "/work/main/", "/lib/python3.11/"):
        if marker in file:
            file = file.split(marker, 1)[1]
            break
    return f"{func} ({file})"


# --- output ------------------------------------------------------------------------------------------

def print_table(headers: Sequence[str], rows: Sequence[Sequence[Any]], title: str = "") -> None:
    """A plain fixed-width table."""
    cells = [[_fmt(v) for v in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) if cells else len(h) for i, h in enumerate(headers)]
    if title:
        print(f"\n{title}")
    print("  ".join(h.ljust(w) for h, w in zip(headers, widths)))
    print("  ".join("-" * w for w in widths))
    for row in cells:
        print("  ".join(v.rjust(w) if _numeric(v) else v.ljust(w) for v, w in zip(row, widths)))


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.1f}" if abs(value) >= 100 else f"{value:.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _numeric(text: str) -> bool:
    return bool(re.fullmatch(r"-?[\d,]+(\.\d+)?", text))


def write_json(name: str, data: dict[str, Any]) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(data, indent=2, default=str) + "\n")
    return path


def machine_info() -> dict[str, Any]:
    """What the figures were measured on."""
    import platform

    return {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform(),
            "measured_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "cpu_probe_ms": cpu_probe_ms()}


def cpu_probe_ms() -> float:
    """Best of 5 timings of sum(range(10**6)) in this interpreter: the VM's speed varies over a day
    (seen here: 19-20 ms on a slow afternoon), so figures from different runs are compared with it."""
    import timeit

    return round(min(timeit.repeat("sum(range(10**6))", number=5, repeat=5)) / 5 * 1000, 2)


def check_code_unchanged(before: dict[str, Any]) -> dict[str, Any]:
    """Compare the code state now with `before` (people commit while benchmarks run); warn loudly."""
    after = code_state()
    if after != before:
        print(f"WARNING: the code changed during the run: {before} -> {after}; rerun for clean figures",
              file=sys.stderr)
    return {"at_start": before, "at_end": after, "changed": after != before}


def code_state() -> dict[str, Any]:
    """The commit and the uncommitted app files the figures were measured with (read-only git calls;
    --no-optional-locks so the index is never locked under people editing the tree)."""
    def git(*args: str) -> str:
        done = subprocess.run(["git", "--no-optional-locks", *args], cwd=APP_ROOT, capture_output=True, text=True,
                              timeout=30)
        return done.stdout.rstrip()  # rstrip: porcelain lines start with a space (" M path")

    changed = [line[3:] for line in git("status", "--porcelain").splitlines()
               if line[3:].startswith(("app/", "jobs/", "wsgi.py", "gunicorn.conf.py", "requirements"))]
    return {"head": git("rev-parse", "--short", "HEAD"), "uncommitted_app_files": changed, "app_root": str(APP_ROOT)}


# --- per-run accounting of the server processes (issue #17) -------------------------------------------

def memory_kib(pid: int) -> dict[str, int] | None:
    """Rss and Pss (kB) of a process now, from /proc/<pid>/smaps_rollup. PSS counts a page shared by
    N processes (copy-on-write after a fork, a preloading master) as 1/N: the sum over processes is
    what they use together."""
    values = {}
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            parts = line.split()
            if parts[0] in ("Rss:", "Pss:"):
                values[parts[0][:-1].lower()] = int(parts[1])
    except (OSError, IndexError, ValueError):
        return None
    return values or None


def process_tree(pid: int) -> list[int]:
    """`pid` and all its descendants."""
    tree, frontier = [pid], [pid]
    while frontier:
        children = [c for p in frontier for c in child_pids(p)]
        tree.extend(children)
        frontier = children
    return tree


def memory_table(groups: dict[str, int]) -> list[dict[str, Any]]:
    """PSS and RSS (MiB) of each named process and of each of its descendants (gunicorn workers, RQ's
    scheduler child), plus VmHWM."""
    rows = []
    for name, root in groups.items():
        for pid in process_tree(root):
            mem = memory_kib(pid)
            if mem is None:
                continue
            role = name if pid == root else f"{name} child"
            rows.append({"process": role, "pid": pid, "pss_mib": round(mem.get("pss", 0) / 1024, 1),
                         "rss_mib": round(mem.get("rss", 0) / 1024, 1),
                         "peak_rss_mib": round((proc_status_kb(pid, "VmHWM") or 0) / 1024, 1)})
    return rows


def load_average() -> list[float]:
    return [float(v) for v in Path("/proc/loadavg").read_text().split()[:3]]


class ServerAccounting:
    """Per run: CPU seconds of the server's own processes (the gunicorn tree, the PostgreSQL backends
    of the bench database, redis-server), new PostgreSQL sessions on the bench database
    (pg_stat_database.sessions), the machine's busy share, the load average and the CPU probe.

    Other engineers' work on the machine shows in the machine figures (busy %, load), not in these
    process figures: the PostgreSQL backends counted are those connected to the bench database."""

    def __init__(self, gunicorn_pid: int | None = None, extra_pids: Iterable[int] = ()):
        self.gunicorn_pid = gunicorn_pid
        self.extra_pids = list(extra_pids)
        self._conn = pg_connect(PG_ADMIN_DSN)
        self._conn.execute("SET stats_fetch_consistency = none")

    def close(self) -> None:
        self._conn.close()

    def _sessions(self) -> int:
        self._conn.execute("SELECT pg_stat_clear_snapshot()")
        row = self._conn.execute("SELECT sessions FROM pg_stat_database WHERE datname = %s", [DB_NAME]).fetchone()
        return int(row[0]) if row and row[0] is not None else 0

    def _backend_pids(self) -> list[int]:
        rows = self._conn.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                                  [DB_NAME]).fetchall()
        return [r[0] for r in rows]

    def _cpu(self) -> dict[int, tuple[str, float]]:
        pids: dict[int, str] = {}
        if self.gunicorn_pid:
            pids.update({p: "gunicorn" for p in process_tree(self.gunicorn_pid)})
        pids.update({p: "postgres (bench db)" for p in self._backend_pids()})
        pids.update({p: "redis-server (shared)" for p in _pids_named("redis-server")})
        for pid in self.extra_pids:
            pids.update({p: "rq worker" for p in process_tree(pid)})
        return {pid: (name, cpu_seconds(pid) or 0.0) for pid, name in pids.items()}

    def start(self) -> ServerAccounting:
        self.probe_ms = cpu_probe_ms()
        self.load_before = load_average()
        self._sessions0 = self._sessions()
        self._cpu0 = self._cpu()
        self._jiffies = _machine_jiffies()
        self._clock = time.monotonic()
        return self

    def stop(self, requests: int, settle: float = 2.0) -> dict[str, Any]:
        wall = time.monotonic() - self._clock
        busy, total = _machine_jiffies()
        cpu1 = self._cpu()
        time.sleep(settle)  # backends report their session counts within about a second
        sessions = self._sessions() - self._sessions0
        by_name: dict[str, float] = {}
        for pid, (name, secs) in cpu1.items():
            before = self._cpu0.get(pid, (name, 0.0))[1]
            by_name[name] = by_name.get(name, 0.0) + max(0.0, secs - before)
        cpus = os.cpu_count() or 1
        server = sum(v for k, v in by_name.items() if "shared" not in k)
        return {
            "wall_s": round(wall, 1), "load_avg_1_5_15": self.load_before, "cpu_probe_ms": self.probe_ms,
            "machine_busy_pct": round(100 * (busy - self._jiffies[0]) / max(1, total - self._jiffies[1]), 1),
            "server_cpu_share_pct": round(100 * server / (wall * cpus), 1),
            "server_cpu_s": {k: round(v, 2) for k, v in sorted(by_name.items(), key=lambda kv: -kv[1])},
            "cpu_ms_per_request": {k: round(1000 * v / max(1, requests), 3) for k, v in by_name.items()},
            "new_db_sessions": sessions,
        }


def _pids_named(name: str) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == name:
                    pids.append(int(entry.name))
            except OSError:
                continue
    return pids
