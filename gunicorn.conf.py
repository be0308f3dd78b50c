"""gunicorn settings for `web` (Procfile) and the benchmarks; every value can be set from the env.

gthread workers keep client connections alive (sync workers close every connection after one
request, which costs a TCP handshake per call from the core system and the PWA). Threads share a
worker's GIL, so use about one worker per core and a few threads each for the I/O waits (the
database commit, Redis).
"""

import os
import time

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"


def default_workers() -> int:
    """One worker per core plus one, at most four. A worker is one GIL: with only one per core, a
    core sits idle while its worker waits on the database (its dispatch writer's round trips) with
    every request thread waiting on that writer; the extra worker fills those gaps (machine busy
    during dispatch 84 % -> 94 % on 2 cores, docs/PERFORMANCE.md). Capped so the default fits
    PostgreSQL's default max_connections: each worker's pool holds up to WEB_THREADS + 3."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return min(cores + 1, 4)


workers = int(os.environ.get("WEB_CONCURRENCY") or default_workers())
worker_class = os.environ.get("WEB_WORKER_CLASS", "gthread")
# Each open console tab holds one thread for its live stream (/admin/stream), so keep headroom.
threads = int(os.environ.get("WEB_THREADS", "16"))
# The app sizes its database pool from WEB_THREADS (app/config.py: default_pool_size), so the app
# preloaded below must see the value used here.
os.environ["WEB_THREADS"] = str(threads)
keepalive = int(os.environ.get("WEB_KEEPALIVE", "30"))
timeout = int(os.environ.get("WEB_TIMEOUT", "30"))
graceful_timeout = 20
accesslog = os.environ.get("WEB_ACCESS_LOG") or None
# Each worker listens on its own SO_REUSEPORT socket and the kernel spreads new connections over
# them by address hash. With one shared socket, whichever worker wins the race accepts: a few
# keep-alive clients (the core system's connection pool) could all end up on one worker, one core.
reuse_port = os.environ.get("WEB_REUSE_PORT", "1") == "1"
# Preloading imports the app once in the master; workers fork with it, pages shared copy-on-write.
preload_app = os.environ.get("WEB_PRELOAD", "1") == "1"


def _http_date_once_a_second():
    """gunicorn formats the Date header of every response from the clock (email.utils.formatdate:
    about 2 % of a web worker's CPU under load); the text changes once a second, so format it once
    per second. An explicit timestamp is formatted as before."""
    from gunicorn import util

    formatdate = util.http_date
    last = (None, "")  # (second, text), replaced as one object: threads read a consistent pair

    def http_date(timestamp=None):
        nonlocal last
        if timestamp is not None:
            return formatdate(timestamp)
        second = int(time.time())
        if last[0] != second:
            last = (second, formatdate(second))
        return last[1]

    util.http_date = http_date


_http_date_once_a_second()


def post_fork(server, worker):
    """A forked worker must not reuse database connections the master may have opened."""
    if not preload_app:
        return
    from app.extensions import db
    from wsgi import app

    with app.app_context():
        db.engine.dispose(close=False)
        _check_pool_fits_threads(server, db.engine)


def _check_pool_fits_threads(server, engine):
    """`--threads` on the command line overrides this file after the app sized its pool from
    WEB_THREADS: say so when the pool is then smaller than the request threads."""
    size = getattr(engine.pool, "size", None)
    if callable(size) and size() < server.cfg.threads:
        server.log.warning("the database pool (%d) is smaller than the %d threads per worker: every request beyond "
                           "it opens a new connection; set WEB_THREADS instead of --threads", size(), server.cfg.threads)


def worker_exit(server, worker):
    """Before the worker goes: answer the events its dispatch writer holds, carry out a pending
    delivery wake and push the dispatch rate limit's local counts (app/dispatch/writer.py,
    app/queue/lanes.py, app/api/limits.py). Each step is best effort: an exiting worker must not fail."""
    from app.dispatch import stop_dispatch_writer
    from wsgi import app

    steps = (
        ("stop the dispatch writer", lambda: stop_dispatch_writer(app)),
        ("carry out a pending delivery wake", lambda: app.extensions["avisos_jobs"].shutdown()),
        ("flush the dispatch rate limit counts", lambda: _flush_dispatch_limit(app)),
    )
    for what, step in steps:
        try:
            step()
        except Exception:  # logged, and the next step still runs
            server.log.warning("could not %s", what, exc_info=True)


def _flush_dispatch_limit(app):
    counter = app.extensions.get("avisos_dispatch_limit")
    if counter is not None:
        counter.flush()
