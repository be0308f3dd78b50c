"""GET /admin/stream: the live console feed as Server-Sent Events, read from Redis pub/sub so any
number of web processes serve it. Any signed-in console user may listen.

Without Redis (embedded mode) or with Redis down the answer is 204, which tells EventSource to stop
reconnecting: pages work and simply don't live-update. A stream lasts LIVE_STREAM_SECONDS and then
ends (the browser reconnects), so worker threads are recycled.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator

from flask import Blueprint, Flask, Response, current_app
from flask_login import current_user

from app import integrations
from app.console.security import has_role
from app.extensions import db

log = logging.getLogger(__name__)
stream_bp = Blueprint("live_stream", __name__)
KEEPALIVE_SECONDS = 15.0
RECONNECT_MS = 5000


@stream_bp.get("/admin/stream")
def stream() -> Response:
    if not has_role(current_user, "viewer"):
        return Response("Inicie sesión para recibir actualizaciones en vivo.", status=401, mimetype="text/plain")
    if not integrations.live_enabled():
        return Response(status=204)
    try:
        feed = integrations.live_subscribe(KEEPALIVE_SECONDS)
        first = next(feed)  # connects and subscribes now, so a dead Redis is a 204, not a broken stream
    except Exception as err:  # noqa: BLE001 - no feed means no live updates, never an error page
        log.warning("live feed unavailable: %s", err)
        return Response(status=204)
    db.session.remove()  # hold no database connection for the life of the stream
    deadline = time.monotonic() + current_app.config.get("LIVE_STREAM_SECONDS", 300)
    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    return Response(_events(feed, first, deadline), mimetype="text/event-stream", headers=headers)


def _events(feed: Iterator[str | None], first: str | None, deadline: float) -> Iterator[str]:
    yield f"retry: {RECONNECT_MS}\n: connected\n\n"
    item = first
    try:
        while True:
            yield f"data: {item}\n\n" if item is not None else ": keepalive\n\n"
            if time.monotonic() >= deadline:
                return
            item = next(feed)
    except Exception as err:  # noqa: BLE001 - Redis went away: end the stream, the browser retries
        log.warning("live feed ended: %s", err)
    finally:
        feed.close()


def init_stream(app: Flask) -> None:
    """Register /admin/stream (called from init_console)."""
    app.register_blueprint(stream_bp)
