"""What the fault tests (and bench/faults.py) share: a private redis-server to stop and start,
Avisos processes to start and kill by pid, a counted dispatch workload, and the tally of what the
peers received (accepted = delivered, duplicates)."""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

ROOT = Path(__file__).resolve().parents[2]
DISPATCH_URL = "/api/v1/notifications/events/dispatch/"

T = TypeVar("T")


def wait_until(predicate: Callable[[], T], timeout: float, what: str, interval: float = 0.05) -> T:
    """Poll `predicate` until it returns something truthy (returned); fail after `timeout` s."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


def free_port(low: int = 21000, high: int = 29000) -> int:
    """A free loopback port in [low, high) picked at random."""
    for _ in range(200):
        port = random.randrange(low, high)
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port")


class RedisServer:
    """A private redis-server on loopback (no persistence), stopped and started by its pid."""

    def __init__(self, port: int | None = None):
        self.port = port or free_port()
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        from redis import Redis

        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--loglevel", "warning"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        client = Redis(port=self.port, socket_connect_timeout=0.5)
        wait_until(lambda: _pings(client), 10, "the private redis-server to answer")
        return self

    def stop(self, sig: int = signal.SIGKILL) -> None:
        """Stop it as a crash does (SIGKILL by default): connections drop, its data is gone."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait(10)
        self.proc = None


def _pings(client) -> bool:
    try:
        return bool(client.ping())
    except Exception:  # noqa: BLE001
        return False


def config_env(settings: Mapping[str, Any]) -> dict[str, str]:
    """App settings as environment variables (lists comma-separated, None left out)."""
    env = {}
    for key, value in settings.items():
        if value is None:
            continue
        if isinstance(value, (list, tuple)):
            value = ",".join(str(v) for v in value)
        elif isinstance(value, bool):
            value = "true" if value else "false"
        env[key] = str(value)
    return env


class AvisosProcess:
    """An Avisos process (`flask --app wsgi ARGS`, or any command) in its own session, its output
    in a file; signalled by its pid."""

    def __init__(self, command: list[str], env: Mapping[str, str], log_path: Path):
        self.command = command
        self.env = {**{k: v for k, v in os.environ.items() if k not in ("CI", "JOBS_MODE")}, **env}
        self.log_path = log_path
        self.proc: subprocess.Popen | None = None

    @classmethod
    def flask(cls, args: list[str], env: Mapping[str, str], log_path: Path) -> AvisosProcess:
        return cls([sys.executable, "-m", "flask", "--app", "wsgi", *args], env, log_path)

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def start(self) -> AvisosProcess:
        self._log = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(self.command, cwd=ROOT, env=self.env, stdout=self._log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        return self

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Signal this process only (its children, e.g. RQ's scheduler, are left as a crash leaves them)."""
        if self.alive():
            os.kill(self.pid, sig)

    def stop(self, timeout: float = 20) -> None:
        """SIGTERM, then SIGKILL; then whatever of its process group is left (RQ's scheduler child)."""
        if self.proc is not None:
            if self.alive():
                self.proc.send_signal(signal.SIGTERM)
                try:
                    self.proc.wait(timeout)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait(5)
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            self._log.close()

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


def terminate_connections(database_url: str) -> int:
    """pg_terminate_backend on every connection to this database but the caller's own; returns
    once those backends are gone (their goodbye is on the wire), with how many there were."""
    import psycopg

    with psycopg.connect(database_url, autocommit=True) as conn:
        pids = [pid for (pid,) in conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()").fetchall()]
    terminate_backends(database_url, pids)
    return len(pids)


def terminate_backends(database_url: str, pids: Iterable[int]) -> None:
    """pg_terminate_backend on these backends; returns once they are gone (it only signals them)."""
    import psycopg

    pids = list(pids)
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("SELECT pg_terminate_backend(pid) FROM unnest(%s::int[]) AS pid", [pids])
        wait_until(lambda: not conn.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(%s)",
                                            [pids]).fetchone()[0], 10, "the terminated backends to exit")


def claimer_of(database_url: str, pid: int) -> int | None:
    """The claimer id a process holds its liveness lock under (from its lock connection's name)."""
    import psycopg

    with psycopg.connect(database_url, autocommit=True) as conn:
        row = conn.execute("SELECT application_name FROM pg_stat_activity WHERE datname = current_database() "
                           "AND application_name LIKE %s", [f"avisos claimer % pid {pid}"]).fetchone()
    return int(row[0].split()[2]) if row else None


# --- the counted workload -------------------------------------------------------------------------

@dataclass
class Tally:
    """What a dispatch workload saw: status codes, 503s without Retry-After, accepted rows."""

    codes: Counter = field(default_factory=Counter)
    missing_retry_after: int = 0
    accepted_events: int = 0
    accepted_rows: dict[str, str] = field(default_factory=dict)  # notification id -> channel
    lock: threading.Lock = field(default_factory=threading.Lock)
    finished: list[float] = field(default_factory=list)  # (monotonic) times of 202 answers
    errors: list = field(default_factory=list)  # the first few non-202 answers, for the report
    failed: list[float] = field(default_factory=list)  # (monotonic) times of non-202 answers

    def note(self, status: int, headers: Mapping[str, str], body: Any) -> None:
        with self.lock:
            self.codes[status] += 1
            if status == 503 and not headers.get("Retry-After"):
                self.missing_retry_after += 1
            if status != 202:
                self.failed.append(time.monotonic())
                if len(self.errors) < 5:
                    self.errors.append((status, body))
            if status == 202:
                self.accepted_events += 1
                self.finished.append(time.monotonic())
                for row in body["notifications"]:
                    if row["status"] == "queued":
                        self.accepted_rows[row["id"]] = row["channel"]

    def first_202_after(self, moment: float) -> float | None:
        with self.lock:
            later = [t for t in self.finished if t > moment]
        return min(later) if later else None


def event_payload(index: int) -> dict:
    """An event for customer f-<index> (one customer, one email and one WhatsApp number per event)."""
    return {"event_type": "appointment_scheduled", "service_type_id": "mantenimiento-preventivo",
            "phase_id": "phase-schedule", "customer_id": f"f-{index}", "target": "clients",
            "context": {"nombre": f"Cliente {index}", "placa": f"F{index:05d}", "vehiculo": "Haval H6 2024",
                        "fecha": "20 de Enero, 2026", "hora": "14:30"}}


def customer_phone(index: int) -> str:
    return f"+5939{index:08d}"


def customer_email(index: int) -> str:
    return f"f{index}@example.com"


def run_workload(post: Callable[[dict, dict], tuple[int, Mapping[str, str], Any]], indexes: Iterable[int],
                 tally: Tally, threads: int = 8, retry_503: bool = True, pause: float = 0.05,
                 payload: Callable[[int], dict] = event_payload) -> None:
    """Dispatch one event per index from `threads` threads through `post(payload, headers)`. Each
    event carries an Idempotency-Key; a 503 is retried with the same key (as a client should), so
    every event ends accepted exactly once."""
    work = list(indexes)
    lock = threading.Lock()

    def run():
        while True:
            with lock:
                if not work:
                    return
                index = work.pop(0)
            headers = {"Idempotency-Key": f"fault-{index}-{uuid.uuid4().hex[:8]}"}
            for _ in range(200):
                status, answer_headers, body = post(payload(index), headers)
                tally.note(status, answer_headers, body)
                if status != 503 or not retry_503:
                    break
                time.sleep(pause)

    workers = [threading.Thread(target=run, name=f"load-{n}") for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(300)


def client_poster(app, api_key: str):
    """post(payload, headers) through a Flask test client (one per thread)."""
    local = threading.local()

    def post(payload, headers):
        client = getattr(local, "client", None) or app.test_client()
        local.client = client
        res = client.post(DISPATCH_URL, json=payload, headers={"X-API-Key": api_key, **headers})
        return res.status_code, res.headers, res.get_json(silent=True)

    return post


# --- what the peers received ------------------------------------------------------------------------

@dataclass(frozen=True)
class Received:
    """Messages per recipient at the peers: delivered (distinct) and duplicates."""

    email: Counter
    whatsapp: Counter

    @property
    def distinct(self) -> int:
        return len(self.email) + len(self.whatsapp)

    @property
    def duplicates(self) -> int:
        return sum(n - 1 for n in self.email.values()) + sum(n - 1 for n in self.whatsapp.values())


def received(smtp_peer, evolution_peer) -> Received:
    """Recipients as the peers saw them (email To, WhatsApp number)."""
    email = Counter(str(m.message["To"]) for m in smtp_peer.messages)
    whatsapp = Counter(str(body.get("number")) for body in evolution_peer.sent)
    return Received(email, whatsapp)
