"""CPU cost of the per-customer cap check after a claim, inside a worker, without sending.

Dispatches N events in-process against the bench database (no worker: every message stays
queued), then claims them in batches of --batch as a delivery job does and times, apart, the claim
(`claim_due`), reading the claimed rows and the cap check (`apply_caps`, with the default
`CUSTOMER_CAPS`). Nothing is sent: the claimed rows are left in `sending`. Reports CPU ms per claim
(time.process_time) and the Python function calls per claim (deterministic when the machine is
busy, counted only with --profile, whose overhead inflates the CPU). The end-to-end effect on
delivery is delivery_rate.py's. AVISOS_BENCH_APP measures another checkout in this process (before
8730b92 the check took the claimed ids and read the rows itself: that read is then in its time).

    .venv/bin/python bench/caps_cpu.py [--events 3000] [--batch 50] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import inspect
import os
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=3000, help="events to dispatch (two messages each)")
    parser.add_argument("--customers", type=int, default=2000)
    parser.add_argument("--batch", type=int, default=50, help="rows per claim (DELIVERY_BATCH_SIZE)")
    parser.add_argument("--profile", action="store_true", help="cProfile of the cap checks")
    args = parser.parse_args()

    with common.exclusive_run("caps_cpu"):
        common.prepare_database(args.customers)
        os.environ.update(common.app_env({"JOBS_MODE": "manual"}))
        sys.path.insert(0, str(common.APP_ROOT))
        from app import create_app
        from app.delivery.caps import apply_caps
        from app.delivery.claim import claim_due, claimed_rows
        from app.dispatch import accept_event

        takes_rows = "rows" in inspect.signature(apply_caps).parameters

        def check(token, ids, claimed):
            return apply_caps(token, claimed if takes_rows else ids)

        app = create_app()
        with app.app_context():
            common.truncate_delivery_tables()
            for i in range(args.events):
                accept_event(common.dispatch_body(i % args.customers))
            for _ in range(3):  # warm-up: connections, statement caches
                token, ids = claim_due(args.batch)
                check(token, ids, claimed_rows(token, ids))
            profiler = cProfile.Profile() if args.profile else None
            claims = rows = kept = 0
            claim_cpu = read_cpu = caps_cpu = 0.0
            while True:
                t0 = time.process_time()
                token, ids = claim_due(args.batch)
                if not ids:
                    break
                t1 = time.process_time()
                claimed = claimed_rows(token, ids)
                t2 = time.process_time()
                if profiler:
                    profiler.enable()
                kept += len(check(token, ids, claimed))
                if profiler:
                    profiler.disable()
                t3 = time.process_time()
                claims, rows = claims + 1, rows + len(ids)
                claim_cpu, read_cpu, caps_cpu = claim_cpu + t1 - t0, read_cpu + t2 - t1, caps_cpu + t3 - t2
            print(f"cpu probe (sum(range(10**6))): {common.cpu_probe_ms()} ms; code {common.code_state()['head']}")
            print(f"{claims} claims of {rows / claims:.0f} rows ({kept} within their caps): CPU per claim: "
                  f"claim {1000 * claim_cpu / claims:.2f} ms, reading the rows {1000 * read_cpu / claims:.2f} ms, "
                  f"cap check {1000 * caps_cpu / claims:.2f} ms" + (" (profiled)" if profiler else ""))
            if profiler:
                stats = pstats.Stats(profiler)
                print(f"cap check: {stats.total_calls / claims:.0f} calls per claim")
                stats.sort_stats("cumulative").print_stats(30)


if __name__ == "__main__":
    main()
