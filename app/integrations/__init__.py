"""What Avisos tells the outside world after a change commits, and how those integrations fare:
outbound events to signed webhooks and the live console feed, and the integration dashboard.

- publish(events):  after a commit, fan (event_type, data) pairs out; never raises (outbound.py)
- webhooks:         endpoints (create, rotate, disable), delivery of one message, the due sweep
- live feed:        the console's Redis pub/sub stream (live.py)
- integration_summary: per integration, totals and success rate over a window (summary.py)
"""

from app.integrations.events import EVENT_TYPES, envelope, notification_data
from app.integrations.live import enabled as live_enabled
from app.integrations.live import subscribe as live_subscribe
from app.integrations.outbound import publish
from app.integrations.summary import DEFAULT_HOURS as SUMMARY_DEFAULT_HOURS
from app.integrations.summary import summary as integration_summary
from app.integrations.webhooks.delivery import deliver_due as deliver_due_webhooks
from app.integrations.webhooks.delivery import resend as resend_webhook
from app.integrations.webhooks.delivery import retry_failed_since as retry_failed_webhooks
from app.integrations.webhooks.delivery import send_batch as send_webhook_batch
from app.integrations.webhooks.delivery import send_message as send_webhook
from app.integrations.webhooks.endpoints import (
    EndpointInputError,
    create_endpoint,
    delete_endpoint,
    get_endpoint,
    rotate_secret,
    set_active,
    signing_secrets,
    update_endpoint,
    url_problem,
)
from app.integrations.webhooks.endpoints import serialise as serialise_endpoint
from app.integrations.webhooks.subscriptions import invalidate as invalidate_subscriptions

__all__ = [
    "EVENT_TYPES", "SUMMARY_DEFAULT_HOURS", "create_endpoint", "delete_endpoint", "deliver_due_webhooks",
    "EndpointInputError", "envelope", "get_endpoint", "integration_summary", "invalidate_subscriptions",
    "live_enabled", "live_subscribe", "notification_data", "publish", "resend_webhook", "retry_failed_webhooks",
    "rotate_secret", "send_webhook", "send_webhook_batch", "serialise_endpoint", "set_active", "signing_secrets",
    "update_endpoint", "url_problem",
]
