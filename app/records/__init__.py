"""The records staff and the core system keep: customers and their channel preferences, vehicles,
maintenance reminders, browser push subscriptions, and a customer's notification history.

- customers.py, vehicles.py, reminders.py: queries and validated writes (RecordInvalid names the fields)
- reminder_check.py: which reminders are due, and dispatching them (hourly, or "notify now")
- push_subscriptions.py: a browser's subscription, and a customer's active push targets
- timeline.py: a customer's notifications, newest first
- search.py: staff search (accents, plates, phones normalised) as conditions for every list
"""

from app.records.common import RecordInvalid, delete_row
from app.records.customers import (
    customer_query,
    customer_values,
    effective_preferences,
    find_customer,
    save_customer,
    set_preferences,
)
from app.records.push_subscriptions import (
    active_count,
    active_push_targets,
    endpoint_problem,
    push_targets_for,
    subscribe,
    unsubscribe,
)
from app.records.reminder_check import check_maintenance_reminders, notify_now
from app.records.reminders import (
    cancel_reminders,
    complete_reminder,
    complete_reminders,
    reminder_query,
    reminder_values,
    save_reminder,
)
from app.records.search import (
    customer_ids_matching,
    customer_search,
    notification_search,
    plate_contains,
    reminder_search,
    vehicle_ids_matching,
    vehicle_search,
)
from app.records.timeline import customer_timeline
from app.records.vehicles import save_vehicle, vehicle_query, vehicle_values

__all__ = [
    "active_count", "active_push_targets", "cancel_reminders", "check_maintenance_reminders", "complete_reminder",
    "complete_reminders", "customer_ids_matching", "customer_query", "customer_search", "customer_timeline",
    "customer_values", "delete_row", "effective_preferences", "endpoint_problem", "find_customer",
    "notification_search", "notify_now", "plate_contains", "push_targets_for", "RecordInvalid", "reminder_query",
    "reminder_search", "reminder_values", "save_customer", "save_reminder", "save_vehicle", "set_preferences",
    "subscribe", "unsubscribe", "vehicle_ids_matching", "vehicle_query", "vehicle_search", "vehicle_values",
]
