"""The queues, and every job by the dotted name of its RQ entry point in jobs/.

app/ enqueues jobs by these names and never imports jobs/: an RQ worker imports the function when it
runs the job, and the in-process modes do the same (app/queue/runtime.py). tests/queue checks that
each name is a function in jobs/.
"""

QUEUES = ("notifications", "sync", "maintenance", "webhooks")
JOB_TIMEOUTS = {"notifications": 300, "sync": 300, "maintenance": 900, "webhooks": 600}

# Delivery (queue notifications): a lane drains due rows; one row by id (scheduled retry, resend).
DELIVER_LANE = "jobs.delivery.deliver_lane"
SEND_NOTIFICATION = "jobs.delivery.send_notification"
# Sync (queue sync): a queued customer or vehicle sync task; a pull-sync source's run.
SYNC_CUSTOMERS = "jobs.sync.sync_customers"
SYNC_VEHICLES = "jobs.sync.sync_vehicles"
RUN_SYNC_SOURCE = "jobs.pull_sync.run_sync_source"
# Outbound webhooks (queue webhooks).
DELIVER_WEBHOOK = "jobs.webhooks.deliver_webhook"
DELIVER_WEBHOOK_BATCH = "jobs.webhooks.deliver_webhook_batch"
# Periodic (app/queue/schedule.py).
RETRY_FAILED_NOTIFICATIONS = "jobs.maintenance.retry_failed_notifications"
CHECK_MAINTENANCE_REMINDERS = "jobs.maintenance.check_maintenance_reminders"
REFRESH_ANALYTICS_ROLLUP = "jobs.analytics.refresh_analytics_rollup"
SWEEP_WEBHOOKS = "jobs.webhooks.sweep_webhooks"
RUN_DUE_SOURCES = "jobs.pull_sync.run_due_sources"
PRUNE_AUDIT_LOG = "jobs.maintenance.prune_audit_log"

JOB_NAMES = (
    DELIVER_LANE, SEND_NOTIFICATION, SYNC_CUSTOMERS, SYNC_VEHICLES, RUN_SYNC_SOURCE, DELIVER_WEBHOOK,
    DELIVER_WEBHOOK_BATCH, RETRY_FAILED_NOTIFICATIONS, CHECK_MAINTENANCE_REMINDERS, REFRESH_ANALYTICS_ROLLUP,
    SWEEP_WEBHOOKS, RUN_DUE_SOURCES, PRUNE_AUDIT_LOG,
)
