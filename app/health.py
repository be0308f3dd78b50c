"""Process liveness (/healthz) and readiness (/readyz: database and Redis answer)."""

from __future__ import annotations

from flask import Blueprint, jsonify
from sqlalchemy import text

from app.extensions import db
from app.queue import runner

health_bp = Blueprint("health", __name__)


@health_bp.get("/healthz")
def healthz():
    return jsonify({"status": "ok"})


@health_bp.get("/readyz")
def readyz():
    checks: dict[str, str] = {}
    try:
        db.session.execute(text("select 1"))
        db.session.rollback()
        checks["database"] = "ok"
    except Exception as err:  # noqa: BLE001
        db.session.rollback()
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
