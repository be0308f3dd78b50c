"""End-to-end delivery rate: queued notifications -> RQ workers -> local SMTP and Evolution peers.

For each worker count (default 1, then 2):

1. start the SMTP peer and the Evolution API peer in their own processes (bench/peer_runner.py);
2. dispatch N events (default 3,000; phase-schedule of mantenimiento-preventivo, clients) through
   the API under gunicorn with NO worker running: each event queues an email and a WhatsApp message
   (the customers have no push subscription, so push is skipped);
3. start W `flask --app wsgi worker` processes and time, from their start, until every message has
   been received by the peers AND every notification row is `sent` (DB polled every 0.25 s,
   bounded by --timeout).

Reports messages/s, peak memory per worker process, CPU per process and the RQ jobs that ran
(delivery lanes batch many messages per job).

    .venv/bin/python bench/delivery_rate.py [--events 3000] [--workers 1 2] [--timeout 300]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common  # noqa: E402

POLL_SECONDS = 0.25
OPEN_STATUSES = ("queued", "sending", "retrying", "waiting_for_customer")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=3000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2], help="RQ worker counts, one run each")
    parser.add_argument("--customers", type=int, default=2000)
    parser.add_argument("--web-workers", type=int, default=4)
    parser.add_argument("--dispatch-concurrency", type=int, default=16)
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds allowed for delivery per run")
    parser.add_argument("--stats", choices=common.STATS_MODES, default="analyzed",
                        help="planner statistics of `notifications` when the workers start (see "
                             "common.set_notification_stats; 'skewed' = a production table whose history is "
                             "all sent rows)")
    parser.add_argument("--profile", type=int, default=0, metavar="SECONDS",
                        help="py-spy the first RQ worker for SECONDS once messages flow")
    parser.add_argument("--profile-gil", action="store_true", help="profile only GIL-holding samples (CPU)")
    parser.add_argument("--output", default="delivery_rate", help="results/<OUTPUT>.json (default delivery_rate)")
    parser.add_argument("--keep-db", action="store_true")
    parser.add_argument("--no-scheduler", dest="scheduler", action="store_false",
                        help="do not run the `flask scheduler` process beside the workers")
    parser.add_argument("--peers", choices=["lean", "full"], default="lean",
                        help="lean: asyncio peers (bench/lean_peers.py); full: the test suite's peers")
    return parser.parse_args()


# --- peers -------------------------------------------------------------------------------------------

@dataclass
class Peers:
    """The SMTP and Evolution peers, each in its own process, and their received counts."""

    procs: dict = field(default_factory=dict)
    addresses: dict = field(default_factory=dict)
    count_files: dict = field(default_factory=dict)
    workdir: Path | None = None
    lean: bool = True

    def start(self) -> Peers:
        self.workdir = Path(tempfile.mkdtemp(prefix="avisos-bench-peers-"))
        for kind in ("smtp", "evolution"):
            path = self.workdir / f"{kind}.count"
            cmd = [common.PYTHON, str(common.BENCH / "peer_runner.py"), kind, "--count-file", str(path),
                   "--max-seconds", "1800", *(["--lean"] if self.lean else [])]
            proc = common.start_process(cmd, f"peer-{kind}", stdout=subprocess.PIPE)
            self.procs[kind], self.count_files[kind] = proc, path
            self.addresses[kind] = _read_address(proc)
        return self

    def counts(self) -> dict[str, int]:
        """{'email': n, 'whatsapp': n} as last written by the peers."""
        return {"email": _read_count(self.count_files["smtp"]),
                "whatsapp": _read_count(self.count_files["evolution"])}

    def settings(self) -> dict[str, str]:
        """EMAIL_* and EVOLUTION_* settings for the workers."""
        smtp, evo = self.addresses["smtp"], self.addresses["evolution"]
        return {"EMAIL_HOST": smtp["host"], "EMAIL_PORT": smtp["port"], "EMAIL_TIMEOUT": 5,
                "EMAIL_USE_TLS": "false", "EMAIL_USE_SSL": "false",
                "DEFAULT_FROM_EMAIL": "Taller Avisos <avisos@taller.example>",
                "EVOLUTION_API_URL": evo["url"], "EVOLUTION_API_KEY": evo["api_key"],
                "EVOLUTION_INSTANCE": evo["instance"], "EVOLUTION_TIMEOUT": 5}

    def stop(self) -> None:
        common.stop_all(self.procs.values())
        if self.workdir is not None:
            shutil.rmtree(self.workdir, ignore_errors=True)


def _read_address(proc, timeout: float = 20) -> dict:
    """The JSON line a peer prints once it listens (read in a thread so the wait is bounded)."""
    box: list[bytes] = []
    reader = threading.Thread(target=lambda: box.append(proc.stdout.readline()), daemon=True)
    reader.start()
    reader.join(timeout)
    if not box or not box[0]:
        raise RuntimeError(f"peer did not report its address within {timeout} s (see results/logs/)")
    return json.loads(box[0])


def _read_count(path: Path) -> int:
    try:
        return int(path.read_text() or 0)
    except (OSError, ValueError):
        return 0


# --- dispatching -------------------------------------------------------------------------------------

def dispatch_events(base_url: str, api_key: str, events: int, customers: int, concurrency: int) -> dict:
    """POST `events` dispatches from `concurrency` threads; returns counts and the rate."""
    headers = {"Authorization": f"ApiKey {api_key}"}
    statuses: dict[int, int] = {}
    lock = threading.Lock()

    def send(i: int) -> None:
        try:
            status, _ = common.post_json(base_url + common.DISPATCH_PATH, common.dispatch_body(i % customers),
                                         headers, timeout=30)
        except OSError:
            status = 0
        with lock:
            statuses[status] = statuses.get(status, 0) + 1

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        list(pool.map(send, range(events)))
    seconds = time.monotonic() - started
    return {"events": events, "statuses": statuses, "seconds": round(seconds, 2),
            "events_per_s": round(events / seconds, 1)}


# --- delivery ----------------------------------------------------------------------------------------

def expected_messages() -> dict[str, int]:
    """Queued rows per channel after dispatching (the messages the peers must receive)."""
    counts = common.notification_status_counts()
    return {channel: n for (channel, status), n in counts.items() if status == "queued"}


def progress() -> dict[str, int]:
    """Rows sent, still open, and failed."""
    sql = f"""SELECT count(*) FILTER (WHERE status = 'sent'),
                     count(*) FILTER (WHERE status IN ({', '.join(repr(s) for s in OPEN_STATUSES)})),
                     count(*) FILTER (WHERE status = 'failed'), count(*) FROM notifications"""
    with common.pg_connect() as conn:
        sent, open_, failed, total = conn.execute(sql).fetchone()
    return {"sent": sent, "open": open_, "failed": failed, "total": total}


def wait_delivered(peers: Peers, expected: dict[str, int], timeout: float, started: float,
                   on_first_sent=None) -> dict:
    """Poll until every row is final and the peers hold every message (or the timeout)."""
    total = sum(expected.values())
    timeline, first_sent_at, last_sample = [], None, -1.0
    deadline = started + timeout
    while True:
        now = time.monotonic()
        state, received = progress(), peers.counts()
        if first_sent_at is None and state["sent"]:
            first_sent_at = now - started
            if on_first_sent:
                on_first_sent()
        if now - started - last_sample >= 1.0:
            last_sample = now - started
            timeline.append({"t": round(last_sample, 2), **state, **{f"peer_{k}": v for k, v in received.items()}})
        peers_done = all(received.get(ch, 0) >= n for ch, n in expected.items() if ch in received)
        if state["sent"] == total and peers_done:
            break
        if state["open"] == 0 and state["failed"]:
            break  # finished, with failures: nothing more will arrive
        if now >= deadline:
            break
        time.sleep(POLL_SECONDS)
    elapsed = time.monotonic() - started
    return {"elapsed_s": round(elapsed, 2), "complete": state["sent"] == total and peers_done,
            "final": state, "peers": received, "first_sent_after_s": round(first_sent_at, 2) if first_sent_at else None,
            "timeline": timeline}


def sent_window() -> dict:
    """From the rows themselves: first and last sent_at, and the rate between them."""
    sql = "SELECT min(sent_at), max(sent_at), count(*) FROM notifications WHERE status = 'sent'"
    with common.pg_connect() as conn:
        first, last, count = conn.execute(sql).fetchone()
        attempts = conn.execute("SELECT outcome, count(*) FROM delivery_attempts GROUP BY 1").fetchall()
    span = (last - first).total_seconds() if first and last else 0.0
    return {"first_to_last_sent_s": round(span, 2), "sent_rows": count,
            "rate_first_to_last_per_s": round((count - 1) / span, 1) if span else None,
            "attempts_by_outcome": dict(attempts)}


def rq_job_stats() -> dict:
    """Delivery jobs RQ ran on `notifications`: count, and per job its timing and messages."""
    from rq.job import Job
    from rq.registry import FailedJobRegistry, FinishedJobRegistry

    redis = common.redis_client()
    ids = FinishedJobRegistry("notifications", connection=redis).get_job_ids()
    jobs, kinds = [], {}
    for job in Job.fetch_many(ids, connection=redis):
        if job is None:
            continue
        kinds[job.func_name] = kinds.get(job.func_name, 0) + 1
        result = job.return_value()
        messages = sum(v for k, v in result.items() if k in ("ok", "transient", "permanent")) \
            if isinstance(result, dict) else None
        jobs.append({"id": job.id, "function": job.func_name, "worker": job.worker_name, "messages": messages,
                     "started_at": job.started_at, "ended_at": job.ended_at})
    jobs.sort(key=lambda j: j["started_at"] or 0)
    return {"finished_jobs": len(ids), "failed_jobs": FailedJobRegistry("notifications", connection=redis).count,
            "jobs_by_function": kinds, "messages_per_job": [j["messages"] for j in jobs], "jobs": jobs}


def worker_memory(workers) -> dict:
    """Peak RSS of each worker process and of its children (RQ's forked scheduler, when a worker
    forks one), and PSS / RSS now of the worker with its children."""
    memory = {}
    for proc in workers:
        tree = common.memory_table({"worker": proc.pid})
        memory[proc.pid] = {"worker_mib": common.peak_memory_mb([proc.pid])[proc.pid],
                            "children_mib": common.peak_memory_mb(common.child_pids(proc.pid)),
                            "pss_with_children_mib": round(sum(m["pss_mib"] for m in tree), 1),
                            "rss_with_children_mib": round(sum(m["rss_mib"] for m in tree), 1),
                            "processes": tree}
    return memory


def delivery_run(web: common.Gunicorn, api_key: str, worker_count: int, args: argparse.Namespace) -> dict:
    """One full run: fresh peers, dispatch, then time the workers until everything is delivered."""
    common.truncate_delivery_tables()
    common.flush_redis()
    peers = Peers(lean=args.peers == "lean")
    scheduler = None
    try:
        peers.start()
        dispatch = dispatch_events(web.base_url, api_key, args.events, args.customers, args.dispatch_concurrency)
        expected = expected_messages()
        print(f"[{worker_count} worker(s)] dispatched {args.events} events in {dispatch['seconds']} s "
              f"({dispatch['events_per_s']}/s, statuses {dispatch['statuses']}); queued {expected}", flush=True)
        common.set_notification_stats(args.stats)
        # The production shape (Procfile): the workers and one `flask scheduler` process.
        scheduler = (common.start_process([str(common.VENV_BIN / "flask"), "--app", "wsgi", "scheduler"],
                                          "scheduler", env=common.app_env(peers.settings()))
                     if args.scheduler else None)
        outcome = time_workers(peers, expected, worker_count, args, scheduler)
    finally:
        common.stop_process(scheduler)
        peers.stop()
    total = sum(expected.values())
    return {"workers": worker_count, "load_avg_1_5_15": common.load_average(), "cpu_probe_ms": common.cpu_probe_ms(),
            "dispatch": dispatch, "expected": expected, "total_messages": total,
            **outcome, "messages_per_s": round(total / outcome["elapsed_s"], 1) if outcome["complete"] else None,
            "rows": sent_window(), "rq": rq_job_stats(), "claim_sizes": common.claim_batches()}


def time_workers(peers: Peers, expected: dict[str, int], worker_count: int, args: argparse.Namespace,
                 scheduler=None) -> dict:
    """Start the workers, wait for delivery, read their peak memory; optionally py-spy the first one."""
    workers, spy = [], None
    profile_name = f"delivery-w{worker_count}-profile"

    def start_profile() -> None:
        nonlocal spy
        if args.profile:
            spy = common.start_py_spy(workers[0].pid, args.profile, profile_name, args.profile_gil)

    try:
        cpu = common.CpuWindow().start()
        started = time.monotonic()
        workers = common.start_rq_workers(worker_count, common.app_env(peers.settings()))
        outcome = wait_delivered(peers, expected, args.timeout, started, start_profile)
        outcome["worker_peak_memory"] = worker_memory(workers)
        if scheduler is not None:
            outcome["scheduler_memory"] = (common.memory_table({"scheduler": scheduler.pid}) or [None])[0]
        outcome["cpu"] = cpu.stop()
    finally:
        common.stop_all(workers)
        if spy is not None:
            spy.wait(timeout=args.profile + 30)
            common.stop_process(spy)
    if spy is not None and (common.RESULTS / f"{profile_name}.txt").exists():
        outcome["profile"] = common.summarize_collapsed(common.RESULTS / f"{profile_name}.txt")
    return outcome


def delivery_settings() -> dict[str, object]:
    """The DELIVERY_* settings the workers ran with, as the app's Config reads them."""
    from app.config import Config

    os.environ.update(common.app_env())
    return {name: value for name, value in vars(Config()).items() if name.startswith("DELIVERY_")}


# --- report ------------------------------------------------------------------------------------------

def report(runs: list[dict], args: argparse.Namespace) -> None:
    rows = [[r["workers"], r["total_messages"], "yes" if r["complete"] else "NO", r["elapsed_s"],
             r["messages_per_s"], r["first_sent_after_s"], r["rows"]["rate_first_to_last_per_s"],
             r["final"]["failed"], r["rq"]["finished_jobs"], len(r["claim_sizes"]),
             max(r["claim_sizes"], default=0), r["cpu"]["machine_busy_pct"],
             " ".join(map(str, r["load_avg_1_5_15"])), r["cpu_probe_ms"]] for r in runs]
    common.print_table(["workers", "messages", "complete", "seconds", "msg/s", "1st sent s", "msg/s 1st-last",
                        "failed", "rq jobs", "claims", "max claim", "cpu busy %", "load avg", "probe ms"], rows,
                       title=f"{args.events} events, email + WhatsApp each, timed from worker start "
                             f"(statistics: {args.stats})")
    mem_rows = []
    for r in runs:
        for pid, m in r["worker_peak_memory"].items():
            children = ", ".join(f"{v}" for v in m["children_mib"].values()) or "-"
            mem_rows.append([r["workers"], pid, m["worker_mib"], children, m["pss_with_children_mib"],
                             m["rss_with_children_mib"]])
        if r.get("scheduler_memory"):
            s = r["scheduler_memory"]
            mem_rows.append([r["workers"], f"scheduler {s['pid']}", s["peak_rss_mib"], "-", s["pss_mib"], s["rss_mib"]])
    common.print_table(["run", "worker pid", "peak RSS MiB", "child (scheduler) peak MiB",
                        "PSS with children MiB", "RSS with children MiB"], mem_rows,
                       title="Memory per RQ worker process (peak: VmHWM; PSS/RSS at the end of the run)")
    for r in runs:
        cpu = ", ".join(f"{k} {v}" for k, v in r["cpu"]["cpu_s_by_command"].items())
        print(f"\n[{r['workers']} worker(s)] CPU seconds during delivery: {cpu}")
        print(f"  peers received {r['peers']}; attempts {r['rows']['attempts_by_outcome']}")
        print(f"  rows per claim (in order): {_compact(r['claim_sizes'])}")
        print(f"  RQ: {r['rq']['jobs_by_function']}, failed {r['rq']['failed_jobs']}, "
              f"messages per job {r['rq']['messages_per_job']}")
        for job in r["rq"]["jobs"]:
            span = (job["ended_at"] - job["started_at"]).total_seconds() if job["ended_at"] else None
            print(f"    {job['function']} on {job['worker']}: {job['messages']} messages in "
                  f"{span if span is None else round(span, 2)} s")
        if "profile" in r:
            common.print_table(["function (self)", "%"], r["profile"]["self_pct"],
                               title=f"py-spy, first worker, {r['profile']['samples']} samples")
            common.print_table(["function (inclusive)", "%"], r["profile"]["inclusive_pct"])


def _compact(sizes: list[int]) -> str:
    """'50 x118, 37, 3': runs of equal claim sizes."""
    parts, i = [], 0
    while i < len(sizes):
        j = i
        while j < len(sizes) and sizes[j] == sizes[i]:
            j += 1
        parts.append(f"{sizes[i]} x{j - i}" if j - i > 1 else str(sizes[i]))
        i = j
    return ", ".join(parts)


def main() -> None:
    args = parse_args()
    code = common.code_state()
    web = None
    try:
        api_key = common.prepare_database(args.customers)
        print(f"matrix {common.SERVICE_TYPE}/{common.PHASE}/clients: {common.phase_channels()}")
        common.enable_channels(["email", "whatsapp"])
        web = common.Gunicorn(workers=args.web_workers, env=common.app_env()).start()
        probe = common.probe_dispatch(web.base_url, api_key)
        channels = sorted(n["channel"] for n in probe["notifications"])
        if channels != ["email", "whatsapp"]:
            raise RuntimeError(f"expected email + whatsapp per event, the probe planned {channels}: {probe}")
        settings = delivery_settings()
        print(f"worker settings: {settings}")
        runs = [delivery_run(web, api_key, count, args) for count in args.workers]
        report(runs, args)
        data = {"machine": common.machine_info(), "code": common.check_code_unchanged(code),
                "events": args.events, "customers": args.customers, "web_workers": args.web_workers,
                "settings": settings, "stats": args.stats, "probe": probe, "runs": runs}
        print(f"\nJSON: {common.write_json(args.output, data)}")
    finally:
        if web is not None:
            web.stop()
        common.cleanup(args.keep_db)


if __name__ == "__main__":
    with common.exclusive_run("delivery_rate"):
        main()
