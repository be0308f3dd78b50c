"""Pull-sync: read customers and vehicles changed since the watermark from a client's database,
upsert them with the sync API's rules (app/sync/upserts.py) and record the run.

Batches of `batch_size` rows; the watermark advances in the same commit as the batch's upserts,
so a crash re-reads at most one batch (the upserts are idempotent). A run holds the source's lock
(`locked_until`), so the scheduler and "sincronizar ahora" never run one source twice at once,
and stops between batches after RUN_BUDGET_SECONDS (the next run carries on from the watermark).
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from pydantic import ValidationError
from sqlalchemy import create_engine, inspect, or_, select, update
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import NoSuchTableError, SQLAlchemyError
from sqlalchemy.pool import NullPool

from app import integrations
from app.extensions import db
from app.models import SyncRun, SyncSource
from app.models.base import utcnow
from app.queue import RUN_SYNC_SOURCE, enqueue
from app.sync import pull_guard
from app.sync.payloads import CustomerSync, SyncItem, VehicleSync
from app.sync.pull_query import (
    ENTITIES,
    KEY_FIELD,
    Mapping,
    changed_rows,
    dump_watermark,
    load_watermark,
)
from app.sync.upserts import apply_customers, apply_vehicles, plan_waiting_for

log = logging.getLogger(__name__)

RUN_BUDGET_SECONDS = 240.0
LOCK_SECONDS = 600
MAX_REJECTS_KEPT = 20
CONNECT_TIMEOUT = 10
_TIMEOUT_ARG = {"postgresql": "connect_timeout", "mysql": "connect_timeout", "mariadb": "connect_timeout",
                "mssql": "timeout"}
MODELS = {"customers": CustomerSync, "vehicles": VehicleSync}
APPLY = {"customers": apply_customers, "vehicles": apply_vehicles}
INTEGER_FIELDS = {"year", "current_kilometers", "next_service_kilometers"}


class SourceError(Exception):
    """The source cannot be read; the message is safe to show (no credentials)."""


CONNECT_FAILED = ("Could not connect to the source database: check the host, port, user, password and "
                  "database name, and that the server accepts connections from Avisos.")


def mappings(source: SyncSource) -> list[Mapping]:
    """The entities this source reads (those with a table), customers first."""
    tables = {"customers": source.customer_table, "vehicles": source.vehicle_table}
    columns = {"customers": source.customer_columns, "vehicles": source.vehicle_columns}
    return [Mapping(e, tables[e].strip(), dict(columns[e] or {})) for e in ENTITIES if (tables[e] or "").strip()]


def open_engine(url: str) -> Engine:
    """An engine without a pool (one run, one connection) and with a connect timeout, for a URL
    that passed the source rules (pull_sync_guard; SourceRefused otherwise)."""
    checked = pull_guard.checked_connection(url)
    timeout = _TIMEOUT_ARG.get(checked.url.get_backend_name())
    connect_args = {**({timeout: CONNECT_TIMEOUT} if timeout else {}), **checked.connect_args}
    return create_engine(checked.url, poolclass=NullPool, connect_args=connect_args)


@contextmanager
def connected(engine: Engine, url: str) -> Iterator[Connection]:
    """A connection to the source. Why a connection failed is logged for the operator, never shown:
    the admin sees CONNECT_FAILED, after CONNECT_TIMEOUT seconds, whether the port was closed,
    answered something else or the password was wrong (no port scanning through this form, by
    message or by time)."""
    started = time.monotonic()
    try:
        conn = engine.connect()
    except Exception as err:  # noqa: BLE001 - every driver and socket error gets the one message
        log.warning("pull-sync: connecting to %s failed: %s", pull_guard.summary(url), safe_message(err, url))
        time.sleep(max(0.0, CONNECT_TIMEOUT - (time.monotonic() - started)))
        raise SourceError(CONNECT_FAILED) from None
    try:
        pull_guard.refuse_own_database(conn)
        yield conn
    finally:
        conn.close()


def safe_message(err: BaseException, url: str | None) -> str:
    """The driver's message without the SQL, the background link or the password."""
    lines = str(getattr(err, "orig", None) or err).strip().splitlines()
    text = lines[0] if lines else type(err).__name__
    password = _password(url)
    return text.replace(password, "***") if password else text


def _password(url: str | None) -> str | None:
    try:
        password = make_url(url).password if url else None
    except Exception:  # noqa: BLE001 - an unparsable URL has no password to hide
        return None
    return str(password) if password else None


@dataclass
class ConnectionCheck:
    ok: bool
    messages: list[str] = field(default_factory=list)


def check_connection(url: str, maps: list[Mapping]) -> ConnectionCheck:
    """Connect and check that every mapped table and column exists."""
    problems = [p for m in maps for p in m.problems()]
    try:
        engine = open_engine(url)
    except pull_guard.SourceRefused as err:
        return ConnectionCheck(False, [str(err)])
    except (SQLAlchemyError, ValueError, ImportError) as err:
        return ConnectionCheck(False, [safe_message(err, None)])
    try:
        with connected(engine, url) as conn:
            problems += [p for m in maps for p in _missing_columns(conn, m)]
    except (SourceError, pull_guard.SourceRefused) as err:
        return ConnectionCheck(False, [str(err)])
    except SQLAlchemyError as err:
        return ConnectionCheck(False, [safe_message(err, url)])
    finally:
        engine.dispose()
    return ConnectionCheck(not problems, problems)


def _missing_columns(conn: Connection, mapping: Mapping) -> list[str]:
    schema, name = mapping.schema_and_name
    try:
        present = {c["name"].lower() for c in inspect(conn).get_columns(name, schema=schema)}
    except NoSuchTableError:
        return [f"{mapping.entity}: table '{mapping.table}' not found."]
    missing = sorted(c for c in set(mapping.columns.values()) if c.lower() not in present)
    return [f"{mapping.entity}: column '{c}' not found in '{mapping.table}'." for c in missing]


# Running -------------------------------------------------------------------------------------

def claim(source_id: uuid.UUID) -> bool:
    """Take the source's lock (free, or left by a run that died). Commits."""
    now = utcnow()
    result = db.session.execute(
        update(SyncSource).where(SyncSource.id == source_id,
                                 or_(SyncSource.locked_until.is_(None), SyncSource.locked_until < now))
        .values(locked_until=now + timedelta(seconds=LOCK_SECONDS)).execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount == 1


def due_source_ids() -> list[uuid.UUID]:
    """Active sources whose next run is due (or that never ran)."""
    now = utcnow()
    ids = list(db.session.scalars(select(SyncSource.id).where(
        SyncSource.active.is_(True), or_(SyncSource.next_run_at.is_(None), SyncSource.next_run_at <= now))))
    db.session.commit()
    return ids


def start_due_sources() -> int:
    """Enqueue a run for every active source whose next run is due. Returns how many."""
    ids = due_source_ids()
    for source_id in ids:
        request_run(str(source_id), "schedule")
    return len(ids)


def request_run(source_id: str, trigger: str) -> bool:
    """Hand a source's run to the `sync` queue (after the caller's commit)."""
    return enqueue("sync", RUN_SYNC_SOURCE, source_id, trigger)


def run_source_summary(source_id: str, trigger: str = "schedule") -> dict | None:
    """run_source for a job: the run's counts (None when it was already running or is gone)."""
    run = run_source(uuid.UUID(source_id), trigger)
    if run is None:
        return None
    return {"status": run.status, "rows_read": run.rows_read, "rows_upserted": run.rows_upserted,
            "rows_rejected": run.rows_rejected, "error": run.error}


def run_source(source_id: uuid.UUID, trigger: str = "schedule", budget: float = RUN_BUDGET_SECONDS) -> SyncRun | None:
    """Run one source now. Returns the recorded run, or None when it is running elsewhere."""
    if db.session.get(SyncSource, source_id) is None or not claim(source_id):
        return None
    source = db.session.get(SyncSource, source_id)
    db.session.refresh(source)
    run = SyncRun(id=uuid.uuid4(), source_id=source.id, trigger=trigger, status="running", started_at=utcnow(),
                  details={})
    db.session.add(run)
    db.session.commit()
    started = time.monotonic()
    url = None
    try:
        url = source.get_url()
        finished = _run_entities(source, run, url, started + budget)
        run.status, run.error = "success", ""
    except Exception as err:  # noqa: BLE001 - any failure is recorded on the run and published
        db.session.rollback()
        run.status, run.error = "failed", safe_message(err, url)[:2000]
        finished = True
        log.warning("pull-sync of source %s failed: %s", source.name, run.error)
    _finish(source, run, started, finished)
    if run.status == "failed":
        integrations.publish([("sync.failed", {"source": "pull_sync", "source_name": source.name,
                                           "source_id": str(source.id),
                                           "run_id": str(run.id), "error": run.error})])
    return run


def _finish(source: SyncSource, run: SyncRun, started: float, finished: bool) -> None:
    now = utcnow()
    run.finished_at = now
    run.duration_ms = int((time.monotonic() - started) * 1000)
    source.last_run_at = now
    # A run stopped by its time budget is due again at once; the watermark says where to go on.
    source.next_run_at = now + timedelta(minutes=max(1, source.interval_minutes)) if finished else now
    source.locked_until = None
    db.session.commit()


def _run_entities(source: SyncSource, run: SyncRun, url: str, deadline: float) -> bool:
    """Every mapped entity in turn; False when the time budget stopped the run early."""
    maps = mappings(source)
    problems = [p for m in maps for p in m.problems()]
    if problems:
        raise SourceError(" ".join(problems))
    engine = open_engine(url)
    try:
        with connected(engine, url) as conn:
            if conn.dialect.name == "postgresql":
                # Read-only even if the account is not: pull-sync never writes to a client's database.
                conn = conn.execution_options(postgresql_readonly=True)
            for mapping in maps:
                if not _sync_entity(conn, source, mapping, run, deadline):
                    return False
    finally:
        engine.dispose()
    return True


def _sync_entity(conn: Connection, source: SyncSource, mapping: Mapping, run: SyncRun, deadline: float) -> bool:
    """Read, upsert and commit batch after batch. False when the deadline came first."""
    batch = max(1, source.batch_size)
    while True:
        watermark = load_watermark((source.watermarks or {}).get(mapping.entity))
        rows = [dict(r._mapping) for r in conn.execute(changed_rows(mapping, watermark, batch))]
        conn.rollback()  # hold no transaction on the client's database between batches
        if not rows:
            return True
        applied = _apply_batch(source, mapping, run, rows)
        db.session.commit()
        _after_commit(source, mapping, applied)
        if len(rows) < batch:
            return True
        if time.monotonic() >= deadline:
            return False


def _apply_batch(source: SyncSource, mapping: Mapping, run: SyncRun, rows: list[dict]) -> list[str]:
    """Validate and upsert one batch, advance the watermark and the run's counters (no commit)."""
    items, rejects = [], []
    for row in rows:
        item, problem = _item(mapping.entity, row)
        if item is None:
            rejects.append(problem)
        else:
            items.append(item)
    outcome = APPLY[mapping.entity](items)
    rejects += [f"{e[outcome.item_key]}: {e['message']}" for e in outcome.errors]
    last = rows[-1]
    source.watermarks = {**(source.watermarks or {}),
                         mapping.entity: dump_watermark(last["updated_at"], last[KEY_FIELD[mapping.entity]])}
    _count(run, mapping.entity, len(rows), len(outcome.applied), rejects)
    return outcome.applied + outcome.skipped


def _count(run: SyncRun, entity: str, read: int, upserted: int, rejects: list[str]) -> None:
    run.rows_read += read
    run.rows_upserted += upserted
    run.rows_rejected += len(rejects)
    details = dict(run.details or {})
    counts = dict(details.get(entity) or {"read": 0, "upserted": 0, "rejected": 0})
    counts["read"] += read
    counts["upserted"] += upserted
    counts["rejected"] += len(rejects)
    details[entity] = counts
    details["rejects"] = (details.get("rejects") or []) + [f"{entity} {r}" for r in rejects]
    details["rejects"] = details["rejects"][:MAX_REJECTS_KEPT]
    run.details = details


def _item(entity: str, row: dict) -> tuple[SyncItem | None, str]:
    values = {name: _coerce(name, value) for name, value in row.items() if name != "updated_at"}
    try:
        return MODELS[entity].model_validate(values), ""
    except ValidationError as err:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in err.errors())
        return None, f"{row.get(KEY_FIELD[entity])}: {problems}"


def _coerce(name: str, value: Any) -> Any:
    """Driver values into what the sync models accept (numbers as int, dates as dates, text as str)."""
    if value is None:
        return None
    if name in INTEGER_FIELDS:
        if isinstance(value, Decimal) and value == value.to_integral_value():
            return int(value)
        if isinstance(value, str) and value.strip().isdigit():
            return int(value)
        return value
    if name == "last_service_date":
        return value.date() if isinstance(value, datetime) else value
    if name == "customer_id" and isinstance(value, int):
        return value
    return value if isinstance(value, str) else str(value)


def _after_commit(source: SyncSource, mapping: Mapping, applied: list[str]) -> None:
    if mapping.entity != "customers" or not applied:
        return
    plan_waiting_for(applied)
    integrations.publish([("customer.synced", {"source": "pull_sync", "source_name": source.name,
                                           "source_id": str(source.id), "customer_ids": applied})])
