"""Dispatch acceptance rate: POST /api/v1/notifications/events/dispatch/ under gunicorn.

PostgreSQL + Redis, no RQ worker running (accepted rows stay queued): this measures the API alone.
For each connection count, wrk runs the dispatch script (random customer of the bench set) and then
GET /healthz (the trivial endpoint of the same app) for comparison. The delivery tables are
truncated before every dispatch run so they do not grow from run to run.

    .venv/bin/python bench/dispatch_rate.py [--web-workers N] [--threads 16] [--connections 16 64] [--duration 15]
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
    parser.add_argument("--web-workers", type=int, default=None,
                        help="gunicorn --workers (default: as the measured app's gunicorn.conf.py says)")
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
    parser.add_argument("--floor", choices=common.FLOOR_MODES,
                        help="serve bench/floor_app.py: the dispatch view replaced by the least a dispatch does "
                             "(the floor under the real view's cost; this checkout's app only)")
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
    server = common.ServerAccounting(web.proc.pid).start()
    cpu = common.CpuWindow().start()
    try:
        result = common.run_wrk(web.base_url + common.DISPATCH_PATH, lua, connections, duration)
        result["cpu"] = cpu.stop()
        result["server"] = server.stop(result.get("requests", 0))
    finally:
        server.close()
        if spy is not None:
            spy.wait(timeout=profile + 30)
            common.stop_process(spy)
    result["rows_after"] = common.table_counts()
    if spy is not None:
        result["profile"] = common.summarize_collapsed(common.RESULTS / f"{name}.txt")
    return result


def run_get(web: common.Gunicorn, lua: Path, path: str, connections: int, duration: int) -> dict:
    """One wrk run of GET `path` (/healthz: no database; /readyz: one SELECT on a pooled connection)."""
    server = common.ServerAccounting(web.proc.pid).start()
    cpu = common.CpuWindow().start()
    result = common.run_wrk(web.base_url + path, lua, connections, duration)
    result["cpu"] = cpu.stop()
    result["server"] = server.stop(result.get("requests", 0))
    server.close()
    return result


def report(runs: list[dict], memory: list[dict], args: argparse.Namespace) -> None:
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
                       title=f"{'floor ' + args.floor + ', ' if args.floor else ''}gunicorn --workers "
                             f"{args.web_workers}, wrk -t2 -d{args.duration}s --latency, "
                             "no RQ worker")
    rows = []
    for run in runs:
        r, srv = run["result"], run["result"]["server"]
        per = srv["cpu_ms_per_request"]
        rows.append([run["endpoint"], run["connections"], r.get("requests_per_s"), r["latency_ms"].get("p50"),
                     r["latency_ms"].get("p99"), per.get("gunicorn"), per.get("postgres (bench db)"),
                     srv["server_cpu_share_pct"], srv["machine_busy_pct"], srv["new_db_sessions"],
                     " ".join(map(str, srv["load_avg_1_5_15"])), srv["cpu_probe_ms"]])
    common.print_table(["endpoint", "conns", "req/s", "p50", "p99", "gunicorn ms/req", "pg ms/req",
                        "server cpu %", "machine busy %", "new db sessions", "load avg", "probe ms"], rows,
                       title="Server processes per run (server cpu % = gunicorn + the bench database's backends, "
                             "of both cores)")
    common.print_table(["process", "pid", "PSS MiB", "RSS MiB", "peak RSS MiB"],
                       [[m["process"], m["pid"], m["pss_mib"], m["rss_mib"], m["peak_rss_mib"]] for m in memory],
                       title="Memory after the runs (PSS counts shared pages once)")
    for connections in sorted({run["connections"] for run in runs}):
        rate = {run["endpoint"]: run["result"].get("requests_per_s") or 0 for run in runs
                if run["connections"] == connections}
        if rate.get("healthz"):
            print(f"c={connections}: dispatch at {100 * rate.get('dispatch', 0) / rate['healthz']:.0f} % of /healthz's "
                  f"rate; /readyz at {100 * rate.get('readyz', 0) / rate['healthz']:.0f} %")
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
    if args.floor and common.APP_ROOT != common.ROOT:
        raise SystemExit("--floor serves this checkout's app (bench/floor_app.py): unset AVISOS_BENCH_APP")
    code = common.code_state()
    web = None
    try:
        api_key = common.prepare_database(args.customers)
        if args.policy:
            common.enable_policy(reminders=not args.no_reminders)
        env = common.app_env({"FLOOR_MODE": args.floor} if args.floor else None)
        web = common.Gunicorn(workers=args.web_workers, worker_class=args.worker_class, threads=args.threads,
                             env=env, app_spec="bench.floor_app:app" if args.floor else "wsgi:app").start()
        args.web_workers = web.workers  # recorded as run (the app's own default when not given)
        probe = common.probe_dispatch(web.base_url, api_key)
        print(f"probe dispatch accepted: {probe['notifications_queued']} notifications queued "
              f"({', '.join(n['channel'] for n in probe['notifications'])})")
        dispatch_lua = common.write_lua("dispatch", api_key=api_key, customers=args.customers)
        health_lua = common.write_lua("healthz", get_path="/healthz")
        ready_lua = common.write_lua("readyz", get_path="/readyz")
        if args.warmup:
            # At the largest connection count, so each worker's threads have all run (and their
            # pooled connections are open) before anything is counted.
            common.run_wrk(web.base_url + common.DISPATCH_PATH, dispatch_lua, max(args.connections), args.warmup)
            common.run_wrk(web.base_url + "/readyz", ready_lua, max(args.connections), args.warmup)
            time.sleep(2)  # let requests still in flight finish before the tables are truncated
        runs = []
        for connections in args.connections:
            profile = args.profile if connections == args.connections[-1] else 0
            runs.append({"endpoint": "dispatch", "connections": connections,
                         "result": run_dispatch(web, dispatch_lua, connections, args.duration, profile,
                                                   args.profile_gil)})
            runs.append({"endpoint": "healthz", "connections": connections,
                         "result": run_get(web, health_lua, "/healthz", connections, args.duration)})
            runs.append({"endpoint": "readyz", "connections": connections,
                         "result": run_get(web, ready_lua, "/readyz", connections, args.duration)})
            time.sleep(1)
        memory = common.memory_table({"gunicorn master": web.proc.pid})
        report(runs, memory, args)
        data = {"machine": common.machine_info(), "code": common.check_code_unchanged(code), "policy": args.policy, "reminders": args.policy and not args.no_reminders,
                "floor": args.floor, "web_workers": args.web_workers, "duration_s": args.duration,
                "customers": args.customers,
                "probe": probe, "runs": runs, "memory": memory}
        print(f"\nJSON: {common.write_json(args.output, data)}")
    finally:
        if web is not None:
            web.stop()
        common.cleanup(args.keep_db)


if __name__ == "__main__":
    with common.exclusive_run("dispatch_rate"):
        main()
