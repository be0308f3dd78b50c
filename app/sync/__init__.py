"""Customers and vehicles come in from the workshop's systems: pushed by the core system through the
internal sync API (validated at once, applied by a job, its task row polled), or pulled on a schedule
from a client's own database (pull-sync sources). Both apply the same upserts, then plan the events
that were waiting for those customers.

- parse_customers / parse_vehicles -> queue_sync -> run_customers_task / run_vehicles_task (tasks.py)
- apply_customers / apply_vehicles, plan_waiting_for: the upserts (upserts.py)
- pull-sync: start_due_sources, request_run, run_source (pull.py), source editing (pull_sources.py)
"""

from app.sync.payloads import (
    CUSTOMERS_KIND,
    INT32_MAX,
    VEHICLES_KIND,
    CustomerSync,
    InvalidStoredPayload,
    SyncItem,
    VehicleSync,
    parse_customers,
    parse_vehicles,
    stored_items,
)
from app.sync.pull import (
    ConnectionCheck,
    check_connection,
    mappings,
    request_run,
    run_source,
    run_source_summary,
    start_due_sources,
)
from app.sync.pull_sources import DEFAULTS as PULL_DEFAULT_COLUMNS
from app.sync.pull_sources import SourceInput, mapping_text, save_source
from app.sync.tasks import (
    STALE_CLAIM,
    get_task,
    queue_sync,
    record_task,
    requeue_lost_tasks,
    run_customers_task,
    run_vehicles_task,
)
from app.sync.upserts import APPLY, SyncOutcome, apply_customers, apply_vehicles, plan_waiting_for

__all__ = [
    "APPLY", "CUSTOMERS_KIND", "INT32_MAX", "PULL_DEFAULT_COLUMNS", "STALE_CLAIM", "VEHICLES_KIND",
    "apply_customers", "apply_vehicles", "check_connection", "ConnectionCheck", "CustomerSync", "get_task",
    "InvalidStoredPayload", "mapping_text", "mappings", "parse_customers", "parse_vehicles", "plan_waiting_for",
    "queue_sync", "record_task", "request_run", "requeue_lost_tasks", "run_customers_task", "run_source",
    "run_source_summary", "run_vehicles_task", "save_source", "SourceInput", "start_due_sources", "stored_items",
    "SyncItem", "SyncOutcome", "VehicleSync",
]
