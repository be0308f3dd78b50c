"""CPU cost of one accepted dispatch inside the app, without the HTTP server.

Posts N events through Flask's test client against the bench database (PostgreSQL + Redis, as in
production) and reports the process CPU time per event (time.process_time, so other load on the
machine barely moves it), plus an optional cProfile of the run. Use it to compare changes to the
dispatch path; use dispatch_rate.py for the end-to-end rate under gunicorn.

    .venv/bin/python bench/dispatch_cpu.py [--events 2000] [--threads 1] [--profile] [--split] [--reuse-db]
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
    parser.add_argument("--split", action="store_true",
                        help="CPU per event of each stage (time.thread_time in the thread that runs it): the "
                             "request threads' prepare_event, the writer's store and its parts")
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
        stages = _time_stages() if args.split else None
        from app import create_app

        app = create_app()
        client = app.test_client()
        headers = {"Authorization": f"ApiKey {key}"}
        for i in range(50):  # warm-up: imports, snapshot, key cache
            client.post(common.DISPATCH_PATH, json=common.dispatch_body(i % args.customers), headers=headers)
        common.truncate_delivery_tables()
        if stages is not None:
            stages.update(dict.fromkeys(stages, 0.0))  # not the warm-up's share
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
        if stages is not None:
            for stage, seconds in stages.items():
                print(f"{1e6 * seconds / args.events:8.0f} µs CPU/event  {stage}")
        if profiler:
            stats = pstats.Stats(profiler).sort_stats("cumulative")
            stats.print_stats(45)
            stats.sort_stats("tottime").print_stats(30)


def _time_stages() -> dict[str, float]:
    """Wrap the dispatch stages so each adds its thread's CPU time to the returned dict (before the
    app exists, so the writer picks up the wrapped functions). Indented names are parts of the
    stage above them; what a stage spends outside its parts (app context, handoffs) is the rest."""
    import threading

    from app import pg_direct
    from app.dispatch import accept, writer

    totals: dict[str, float] = {}
    lock = threading.Lock()

    def timed(name, fn):
        totals[name] = 0.0  # printed in this order

        def wrapper(*args, **kwargs):
            start = time.thread_time()
            try:
                return fn(*args, **kwargs)
            finally:
                spent = time.thread_time() - start
                with lock:
                    totals[name] += spent
        return wrapper

    accept.prepare_event = timed("request thread: validate, resolve, render (prepare_event)", accept.prepare_event)
    accept.check_templates = timed("  rendering every template the event could use (check_templates)",
                                   accept.check_templates)
    writer.DispatchWriter._store = timed("writer: a group's whole store, per event", writer.DispatchWriter._store)
    accept.plan_events = timed("  plan (plan_events, with the customers SELECT)", accept.plan_events)
    accept.load_customers = timed("    the customers SELECT (load_customers)", accept.load_customers)
    pg_direct.insert_committed = timed("  the INSERT and COMMIT (insert_committed)", pg_direct.insert_committed)
    accept.announce_stored = timed("  after the commit (announce_stored)", accept.announce_stored)
    return totals


if __name__ == "__main__":
    main()
