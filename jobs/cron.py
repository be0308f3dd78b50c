"""RQ cron registrations, loaded by `flask --app wsgi scheduler` (run exactly one scheduler).

The reminder check runs hourly and does its daily work at or after REMINDER_HOUR in TIMEZONE,
at most once per reminder per local day: RQ reads cron fields in UTC, and an hourly check also
catches up after the scheduler was down at 08:00.
"""

from rq import cron

from jobs.analytics import refresh_analytics_rollup
from jobs.maintenance import check_maintenance_reminders, retry_failed_notifications
from jobs.pull_sync import run_due_sources
from jobs.webhooks import sweep_webhooks

cron.register(retry_failed_notifications, queue_name="maintenance", interval=15 * 60, job_timeout=900)
cron.register(check_maintenance_reminders, queue_name="maintenance", interval=60 * 60, job_timeout=900)
cron.register(refresh_analytics_rollup, queue_name="maintenance", interval=60 * 60, job_timeout=900)
cron.register(sweep_webhooks, queue_name="webhooks", interval=60, job_timeout=600)
cron.register(run_due_sources, queue_name="sync", interval=60, job_timeout=120)
