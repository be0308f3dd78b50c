"""CPU cost of one accepted dispatch inside the app, without the HTTP server.

Posts N events through Flask's test client against the bench database (PostgreSQL + Redis, as in
production) and reports the process CPU time per event (time.process_time, so other load on the
machine barely moves it), plus an optional cProfile of the run. Use it to compare changes to the
dispatch path; use dispatch_rate.py for the end-to-end rate under gunicorn.

    .venv/bin/python bench/dispatch_cpu.py [--events 2000] [--profile] [--reuse-db]
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--customers", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=1,
                        help="client threads posting at once (as gunicorn's gthread workers serve them)")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--reuse-db", action="store_true", help="skip the database preparation")
    parser.add_argument("--policy", action="store_true", help="delivery policy on (common.enable_policy)")
    args = parser.parse_args()

    with common.exclusive_run("dispatch_cpu"):
        if args.reuse_db:
            key = os.environ["BENCH_API_KEY"]
        else:
            key = common.prepare_database(args.customers)
            print(f"BENCH_API_KEY={key}")
            if args.policy:
                common.enable_policy()
        os.environ.update(common.app_env())
        from app import create_app

        app = create_app()
        client = app.test_client()
        headers = {"Authorization": f"ApiKey {key}"}
        for i in range(50):  # warm-up: imports, snapshot, key cache
            client.post(common.DISPATCH_PATH, json=common.dispatch_body(i % args.customers), headers=headers)
        common.truncate_delivery_tables()
        profiler = cProfile.Profile(time.process_time) if args.profile else None
        cpu0, wall0 = time.process_time(), time.perf_counter()
        if profiler:
            profiler.enable()
        def post_events(offset: int) -> None:
            own = app.test_client()
            for i in range(offset, args.events, args.threads):
                response = own.post(common.DISPATCH_PATH, json=common.dispatch_body(i % args.customers),
                                    headers=headers)
                assert response.status_code == 202, response.get_data(as_text=True)

        if args.threads == 1:
            post_events(0)  # in this thread, so --profile sees it
        else:
            threads = [threading.Thread(target=post_events, args=(n,)) for n in range(args.threads)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        if profiler:
            profiler.disable()
        cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
        print(f"cpu probe (sum(range(10**6))): {common.cpu_probe_ms()} ms")
        print(f"{args.events} events, {args.threads} threads: {1000 * cpu / args.events:.2f} ms CPU/event, "
              f"{1000 * wall / args.events:.2f} ms wall/event")
        writer = app.extensions.get("avisos_dispatch_writer")
        if writer is not None:
            print(f"dispatch writer: {writer.items} events in {writer.batches} transactions")
        if profiler:
            stats = pstats.Stats(profiler).sort_stats("cumulative")
            stats.print_stats(45)
            stats.sort_stats("tottime").print_stats(30)


if __name__ == "__main__":
    main()
