"""Markdown rows for docs/PERFORMANCE.md from saved results (bench/results/<name>.json).

    .venv/bin/python bench/runs_table.py dispatch q_base_1 q_new_1 ...
    .venv/bin/python bench/runs_table.py delivery qd_base_1 qd_new_1 ...

One row per connection count (dispatch) or per run (delivery), with the commit the run measured,
when it ran, and the machine's load and CPU probe, so alternated before/after runs read side by side.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import RESULTS  # noqa: E402

DISPATCH_HEADER = ("run (at) | code | web workers | conns | dispatch/s | p50 / p99 ms | `/healthz`/s | dispatch ÷ "
                   "healthz | machine busy, dispatch | gunicorn CPU ms per dispatch | PostgreSQL ms per dispatch | "
                   "`/healthz` gunicorn ms | `/readyz`/s | new PG sessions, dispatch / `/readyz` | "
                   "PSS / RSS MiB: master; workers | "
                   "load (1 min) | probe ms")
DELIVERY_HEADER = ("run (at) | code | messages/s from worker start | first to last send /s | first message after | "
                   "failed | per worker PSS MiB, with children | `flask scheduler` PSS MiB | load (1 min) | probe ms")


def _load(name: str) -> dict:
    return json.loads((RESULTS / f"{name}.json").read_text())


def _code(data: dict) -> str:
    start = data["code"]["at_start"]
    dirty = "+" if start.get("uncommitted_app_files") else ""
    floor = f", floor {data['floor']}" if data.get("floor") else ""  # dispatch_rate.py --floor
    return f"{start['head']}{dirty}{floor}"


def _at(data: dict) -> str:
    return data["machine"]["measured_at"][11:16]


def _row(cells) -> str:
    return "| " + " | ".join(str(c) for c in cells) + " |"


def dispatch_rows(name: str) -> list[str]:
    data = _load(name)
    by_key = {(r["endpoint"], r["connections"]): r["result"] for r in data["runs"]}
    memory = "; ".join(", ".join(f"{m['pss_mib']:.0f} / {m['rss_mib']:.0f}" for m in data["memory"]
                                 if (m["process"] == "gunicorn master") == master)
                       for master in (True, False))
    rows = []
    for (endpoint, conns), result in by_key.items():
        if endpoint != "dispatch":
            continue
        health, ready = by_key[("healthz", conns)], by_key[("readyz", conns)]
        server, lat = result["server"], result["latency_ms"]
        rows.append(_row([
            f"{name} ({_at(data)})", _code(data), data["web_workers"], conns, f"{result['requests_per_s']:,.0f}",
            f"{lat['p50']:.0f} / {lat['p99']:.0f}", f"{health['requests_per_s']:,.0f}",
            f"{100 * result['requests_per_s'] / health['requests_per_s']:.0f} %",
            f"{server['machine_busy_pct']:.0f} %", f"{server['cpu_ms_per_request']['gunicorn']:.2f}",
            f"{server['cpu_ms_per_request'].get('postgres (bench db)', 0):.2f}",
            f"{health['server']['cpu_ms_per_request']['gunicorn']:.2f}", f"{ready['requests_per_s']:,.0f}",
            f"{server['new_db_sessions']} / {ready['server']['new_db_sessions']}",
            memory, f"{server['load_avg_1_5_15'][0]:.1f}",
            f"{server['cpu_probe_ms']:.1f}",
        ]))
    return rows


def delivery_rows(name: str) -> list[str]:
    data = _load(name)
    rows = []
    for run in data["runs"]:
        workers = (run.get("worker_peak_memory") or {}).values()
        scheduler = run.get("scheduler_memory")
        rows.append(_row([
            f"{name} ({_at(data)})", _code(data), f"{run['messages_per_s']:,.0f}",
            f"{run['rows']['rate_first_to_last_per_s']:,.0f}", f"{run['first_sent_after_s']:.2f} s",
            run["final"]["failed"], ", ".join(f"{w['pss_with_children_mib']:.0f}" for w in workers) or "—",
            f"{scheduler['pss_mib']:.0f}" if scheduler else "—",
            f"{run['load_avg_1_5_15'][0]:.1f}", f"{run['cpu_probe_ms']:.1f}",
        ]))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("kind", choices=("dispatch", "delivery"))
    parser.add_argument("names", nargs="+", help="result names (bench/results/<name>.json)")
    args = parser.parse_args()
    header = DISPATCH_HEADER if args.kind == "dispatch" else DELIVERY_HEADER
    print("| " + header + " |")
    print("|" + "---|" * (header.count("|") + 1))
    for name in args.names:
        for row in (dispatch_rows if args.kind == "dispatch" else delivery_rows)(name):
            print(row)


if __name__ == "__main__":
    main()
