"""Dispatch acceptance rate: POST /api/v1/notifications/events/dispatch/ under gunicorn.

PostgreSQL + Redis, no RQ worker running (accepted rows stay queued): this measures the API alone.
For each connection count, wrk runs the dispatch script (random customer of the bench set) and then
GET /healthz (the trivial endpoint of the same app) for comparison. The delivery tables are
truncated before every dispatch run so they do not grow from run to run.

    .venv/bin/python bench/dispatch_rate.py [--web-workers 2] [--threads 16] [--connections 16 64] [--duration 15]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common  # noqa: E402


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--web-workers", type=int, default=2, help="gunicorn --workers (default 2, as shipped)")
    parser.add_argument("--worker-class", default="gthread", help="gunicorn --worker-class (default gthread)")
    parser.add_argument("--threads", type=int, default=16, help="gunicorn --threads (default 16, as shipped)")
    parser.add_argument("--connections", type=int, nargs="+", default=[16, 64])
    parser.add_argument("--duration", type=int, default=15, help="seconds per wrk run (default 15)")
    parser.add_argument("--customers", type=int, default=2000)
    parser.add_argument("--warmup", type=int, default=3,
                        help="seconds of dispatch load before measuring, so every gunicorn worker has done its "
                             "lazy imports and loaded its snapshot (0 to skip)")
    parser.add_argument("--profile", type=int, default=0, metavar="SECONDS",
                        help="py-spy one gunicorn worker for SECONDS during the last dispatch run")
    parser.add_argument("--profile-gil", action="store_true", help="profile only GIL-holding samples (CPU)")
    parser.add_argument("--output", default="dispatch_rate", help="results/<OUTPUT>.json (default dispatch_rate)")
    parser.add_argument("--keep-db", action="store_true", help="leave the avisos_bench database behind")
    parser.add_argument("--policy", action="store_true",
                        help="delivery policy on (issue #15): every message deferred by a closed send window "
                             "(backlog counters taken), caps and a backlog rate set, a send_at two days ahead "
                             "on every request and an appointment reminder scheduled per event")
    parser.add_argument("--no-reminders", action="store_true", help="with --policy: no appointment reminders")
    return parser.parse_args()


def run_dispatch(web: common.Gunicorn, lua: Path, connections: int, duration: int, profile: int,
                 gil_only: bool = False) -> dict:
    """One wrk run of the dispatch script on empty delivery tables; adds the rows it left."""
    common.truncate_delivery_tables()
    common.flush_redis()
    name = f"dispatch-c{connections}-profile"
    spy = common.start_py_spy(web.worker_pids()[0], profile, name, gil_only) if profile else None
    cpu = common.CpuWindow().start()
    try:
        result = common.run_wrk(web.base_url + common.DISPATCH_PATH, lua, connections, duration)
    finally:
        result_cpu = cpu.stop()
        if spy is not None:
            spy.wait(timeout=profile + 30)
            common.stop_process(spy)
    result["cpu"] = result_cpu
    result["rows_after"] = common.table_counts()
    if spy is not None:
        result["profile"] = common.summarize_collapsed(common.RESULTS / f"{name}.txt")
    return result


def run_healthz(web: common.Gunicorn, lua: Path, connections: int, duration: int) -> dict:
    """One wrk run of GET /healthz."""
    cpu = common.CpuWindow().start()
    result = common.run_wrk(web.base_url + "/healthz", lua, connections, duration)
    result["cpu"] = cpu.stop()
    return result


def report(runs: list[dict], memory: dict[int, float | None], args: argparse.Namespace) -> None:
    rows = []
    for run in runs:
        r = run["result"]
        lat = r["latency_ms"]
        errors = sum(r["socket_errors"].values()) if r["socket_errors"] else 0
        rows.append([run["endpoint"], run["connections"], r.get("requests_per_s"), lat.get("p50"), lat.get("p99"),
                     lat.get("max"), r.get("requests"), r["non_2xx"], errors, r["cpu"]["machine_busy_pct"],
                     _cpu_text(r["cpu"])])
    common.print_table(["endpoint", "conns", "req/s", "p50 ms", "p99 ms", "max ms", "requests", "non-2xx",
                        "sock err", "cpu busy %", "cpu s by process"], rows,
                       title=f"gunicorn --workers {args.web_workers}, wrk -t2 -d{args.duration}s --latency, "
                             "no RQ worker")
    common.print_table(["gunicorn worker pid", "peak RSS (VmHWM) MiB"], sorted(memory.items()),
                       title="Peak memory per gunicorn worker")
    for run in runs:
        if "rows_after" in run["result"]:
            print(f"rows after dispatch c={run['connections']}: {run['result']['rows_after']}")
        if "profile" in run["result"]:
            _print_profile(run["result"]["profile"])


def _cpu_text(cpu: dict) -> str:
    """'gunicorn 15.8, postgres 9.1, ...' (the four biggest CPU users of the window)."""
    return ", ".join(f"{name} {secs}" for name, secs in list(cpu["cpu_s_by_command"].items())[:4])


def _print_profile(profile: dict) -> None:
    common.print_table(["function (self time)", "%"], profile["self_pct"],
                       title=f"py-spy, one gunicorn worker, {profile['samples']} samples")
    common.print_table(["function (inclusive)", "%"], profile["inclusive_pct"])


def main() -> None:
    args = parse_args()
    code = common.code_state()
    web = None
    try:
        api_key = common.prepare_database(args.customers)
        if args.policy:
            common.enable_policy(reminders=not args.no_reminders)
        web = common.Gunicorn(workers=args.web_workers, worker_class=args.worker_class, threads=args.threads,
                             env=common.app_env()).start()
        probe = common.probe_dispatch(web.base_url, api_key)
        print(f"probe dispatch accepted: {probe['notifications_queued']} notifications queued "
              f"({', '.join(n['channel'] for n in probe['notifications'])})")
        dispatch_lua = common.write_lua("dispatch", api_key=api_key, customers=args.customers)
        health_lua = common.write_lua("healthz", get_path="/healthz")
        if args.warmup:
            common.run_wrk(web.base_url + common.DISPATCH_PATH, dispatch_lua, 8, args.warmup)
            time.sleep(2)  # let requests still in flight finish before the tables are truncated
        runs = []
        for connections in args.connections:
            profile = args.profile if connections == args.connections[-1] else 0
            runs.append({"endpoint": "dispatch", "connections": connections,
                         "result": run_dispatch(web, dispatch_lua, connections, args.duration, profile,
                                                   args.profile_gil)})
            runs.append({"endpoint": "healthz", "connections": connections,
                         "result": run_healthz(web, health_lua, connections, args.duration)})
            time.sleep(1)
        memory = web.peak_memory()
        report(runs, memory, args)
        data = {"machine": common.machine_info(), "code": common.check_code_unchanged(code), "policy": args.policy, "reminders": args.policy and not args.no_reminders,
                "web_workers": args.web_workers, "duration_s": args.duration, "customers": args.customers,
                "probe": probe, "runs": runs, "gunicorn_worker_peak_mib": memory}
        print(f"\nJSON: {common.write_json(args.output, data)}")
    finally:
        if web is not None:
            web.stop()
        common.cleanup(args.keep_db)


if __name__ == "__main__":
    with common.exclusive_run("dispatch_rate"):
        main()
