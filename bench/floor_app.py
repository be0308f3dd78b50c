"""The floor under dispatch: Avisos with its dispatch view replaced by the least any dispatch does.

`dispatch_rate.py --floor MODE` serves `bench.floor_app:app` instead of `wsgi:app`. It is the
same app (every hook, blueprint, extension and gunicorn setting), except that
POST /api/v1/notifications/events/dispatch/ only:

- `bare`: parses the JSON body, INSERTs it as one row and answers 202 with a body of the real
  shape. No API key, no rate limit, no validation, no rendering, no planning. The INSERT runs in
  autocommit on the request thread's own psycopg connection, one round trip per request.
- `guarded`: the same behind the real view's decorator (`require_api_key("dispatch")`: the API key,
  taken from memory as the real view takes it, and the dispatch rate limit).
- `grouped`: `guarded`, with the row stored by the process's DispatchWriter (app/dispatch/writer.py), one
  multi-row INSERT per group, as the real dispatch stores its events.

What the real view adds on top of `grouped` is Avisos's own work: validation, slugs to ids,
rendering every template, planning against the customer (one SELECT per group) and the
notification rows. Whatever a target asks of dispatch below the floor cannot be reached by
trimming that work. The rows go to `bench_floor_events`, created on first use.
"""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Sequence

import psycopg
from flask import jsonify
from psycopg.types.json import Jsonb

from app.api.auth import require_api_key
from app.api.json_body import body_json
from app.dispatch.writer import dispatch_writer
from bench.common import FLOOR_MODES
from wsgi import app

MODE = os.environ.get("FLOOR_MODE", "bare")
if MODE not in FLOOR_MODES:
    raise SystemExit(f"FLOOR_MODE must be one of {', '.join(FLOOR_MODES)}, not {MODE!r}")

_TABLE_SQL = ("CREATE TABLE IF NOT EXISTS bench_floor_events (id uuid PRIMARY KEY, body jsonb NOT NULL, "
              "created_at timestamptz NOT NULL DEFAULT now())")
_local = threading.local()


def _connection() -> psycopg.Connection:
    """This thread's own autocommit connection (one per request thread, or the writer's)."""
    conn = getattr(_local, "conn", None)
    if conn is None:
        conn = _local.conn = psycopg.connect(os.environ["DATABASE_URL"], autocommit=True)
        conn.execute(_TABLE_SQL)
    return conn


def _store_group(batch: Sequence[tuple[uuid.UUID, dict]]) -> list[uuid.UUID]:
    """One multi-row INSERT for a group (the writer's store function)."""
    values = ", ".join(["(%s, %s)"] * len(batch))
    params = [value for event_id, payload in batch for value in (event_id, Jsonb(payload))]
    _connection().execute(f"INSERT INTO bench_floor_events (id, body) VALUES {values}", params)
    return [event_id for event_id, _ in batch]


def floor_dispatch():
    """Parse, store one row, answer 202 in the real body's shape."""
    payload = body_json()
    event_id = uuid.uuid4()
    if MODE == "grouped":
        # The process's own dispatch writer, with the app's settings (group size, timeout); the
        # real view, whose store function it would otherwise take, is not served here.
        dispatch_writer(_store_group).submit((event_id, payload))
    else:
        _connection().execute("INSERT INTO bench_floor_events (id, body) VALUES (%s, %s)",
                              (event_id, Jsonb(payload)))
    row = {"id": str(event_id), "channel": "email", "recipient": "floor@example.com", "status": "queued"}
    return jsonify({"success": True, "status": "accepted", "correlation_id": str(event_id),
                    "notifications_queued": 1, "errors": [], "notifications": [row]}), 202


# As on the real view, the API key comes from memory (`rechecked_when`): the real writer refuses a
# revoked key in the same INSERT (a trigger), so that recheck costs it no round trip; the floor
# leaves it out.
view = (floor_dispatch if MODE == "bare"
        else require_api_key("dispatch", compat=True, rechecked_when=lambda: True)(floor_dispatch))
app.view_functions["api_v1.dispatch_event"] = view
