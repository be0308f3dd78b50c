"""CPU cost of delivering one message inside a worker, without RQ.

Dispatches N events in-process against the bench database, starts the SMTP and Evolution peers
(bench/peer_runner.py, their own processes), then runs the worker's delivery loop
(`deliver_due`) in this process and reports its CPU time per message (time.process_time), the
Python function calls per message (a deterministic proxy for CPU when the machine is busy) and,
with --profile, the top functions. The end-to-end rate with RQ workers is delivery_rate.py.

    .venv/bin/python bench/delivery_cpu.py [--events 1000] [--profile] [--reuse-db]
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common  # noqa: E402
from bench.delivery_rate import Peers  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--customers", type=int, default=2000)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--reuse-db", action="store_true", help="skip the database preparation")
    parser.add_argument("--full-peers", action="store_true", help="the test suite's peers instead of the lean ones")
    args = parser.parse_args()

    with common.exclusive_run("delivery_cpu"):
        if not args.reuse_db:
            common.prepare_database(args.customers)
        peers = Peers(lean=not args.full_peers).start()
        try:
            run(args, peers)
        finally:
            peers.stop()


def run(args, peers: Peers) -> None:
    os.environ.update(common.app_env({**peers.settings(), "JOBS_MODE": "manual"}))
    from app import create_app
    from app.delivery import claim_due, deliver_claimed, deliver_due
    from app.dispatch import accept_event

    app = create_app()
    with app.app_context():
        common.truncate_delivery_tables()
        for i in range(args.events):
            accept_event(common.dispatch_body(i % args.customers))
        deliver_claimed(*claim_due(10))  # warm-up: connections, imports
        profiler = cProfile.Profile()
        cpu0, wall0 = time.process_time(), time.perf_counter()
        profiler.enable()
        totals = deliver_due(int(app.config["DELIVERY_BATCH_SIZE"]), 600)
        profiler.disable()
        cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
        sent = totals["ok"]
        stats = pstats.Stats(profiler)
        print(f"cpu probe (sum(range(10**6))): {common.cpu_probe_ms()} ms")
        print(f"{sent} messages ({totals}): {1000 * cpu / sent:.2f} ms CPU/message (profiled), "
              f"{stats.total_calls / sent:.0f} calls/message, {1000 * wall / sent:.2f} ms wall/message")
        if args.profile:
            stats.sort_stats("tottime").print_stats(35)
            for name in os.environ.get("BENCH_CALLERS", "").split(","):
                if name:
                    stats.print_callers(name)


if __name__ == "__main__":
    main()
