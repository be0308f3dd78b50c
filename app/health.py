"""Process liveness (/healthz) and readiness (/readyz: database and Redis answer)."""

from __future__ import annotations

from flask import Blueprint, jsonify
from sqlalchemy import literal, select

from app import pg_direct
from app.queue import runner

# Read on a pooled connection outside the ORM session (app/pg_direct.py): on PostgreSQL one
# autocommit statement, no transaction to end, no session to build and tear down per probe.
_PING = select(literal(1))

health_bp = Blueprint("health", __name__)


@health_bp.get("/healthz")
def healthz():
    return jsonify({"status": "ok"})


@health_bp.get("/readyz")
def readyz():
    checks: dict[str, str] = {}
    try:
        pg_direct.fetch_one_pooled(_PING, {})
        checks["database"] = "ok"
    except Exception as err:  # noqa: BLE001
        checks["database"] = f"down ({type(err).__name__})"
    jobs = runner()
    if jobs.mode == "rq":
        checks["redis"] = "ok" if jobs.ping() else "down"
    else:
        checks["redis"] = f"not used (jobs run {jobs.mode})"
    down = [name for name, state in checks.items() if state.startswith("down")]
    body = {"status": "ready" if not down else "unavailable", "checks": checks}
    if down:
        body["down"] = down
    return jsonify(body), (503 if down else 200)
