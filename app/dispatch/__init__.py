"""An event comes in: accept it (validate the body, resolve its slugs, check that every template it
may use renders), plan who gets what on which channel, and store the event with its notification
rows in one commit before answering 202; delivery is woken after that commit.

- accept_event:           the dispatch use case (request.py -> resolve.py -> accept.py -> plan.py)
- plan_waiting_events, plan_late_customers, expire_waiting_events: events waiting for their customer
- fallback_row:           the next channel's message for a failed one, planned like the first
- policy.py:              send_at, send windows and their backlog spread, appointment reminders:
                          rows stored `scheduled` (forget_old_slots: the sweeper's cleanup)

Tuning behind accept_event: API dispatches are stored by this process's group-commit writer
(writer.py), on PostgreSQL with psycopg statements (app/pg_direct.py); customers are read without the
ORM (recipients.py).
"""

from app.dispatch.accept import accept_event, store_events
from app.dispatch.plan import fallback_row
from app.dispatch.policy import REPLACED as REPLACED_REMINDER
from app.dispatch.policy import forget_old_slots
from app.dispatch.request import DispatchRequest, parse_dispatch
from app.dispatch.waiting import expire_waiting_events, plan_late_customers, plan_waiting_events
from app.dispatch.writer import group_commit_enabled, stop_dispatch_writer

__all__ = [
    "accept_event", "DispatchRequest", "REPLACED_REMINDER", "expire_waiting_events", "fallback_row", "forget_old_slots", "group_commit_enabled", "parse_dispatch",
    "plan_late_customers", "plan_waiting_events", "stop_dispatch_writer", "store_events",
]
