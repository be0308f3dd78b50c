"""All models, importable from one place (and registered with the metadata for Alembic)."""

from app.models.access import ApiKey, User
from app.models.analytics import NotificationDailyStat, NotificationRollupDay
from app.models.audit import AuditEntry
from app.models.catalog import ServicePhase, ServiceType
from app.models.customers import ChannelPreference, Customer, PushSubscription
from app.models.inbox import InboundMessage
from app.models.notifications import DeliveryAttempt, DispatchEvent, Notification
from app.models.orchestration import DeliveryPolicy, OrchestrationConfig, PhaseChannelConfig, SendSlot
from app.models.sync_sources import SyncRun, SyncSource
from app.models.tasks import BackgroundTask
from app.models.templates import NotificationTemplate, TemplateVersion
from app.models.vehicles import MaintenanceReminder, Vehicle
from app.models.webhooks import ProviderReceipt, WebhookAttempt, WebhookEndpoint, WebhookMessage
from app.models.workshops import Workshop

__all__ = [
    "ApiKey", "AuditEntry", "BackgroundTask", "ChannelPreference", "Customer", "DeliveryAttempt", "DeliveryPolicy", "DispatchEvent",
    "InboundMessage",
    "MaintenanceReminder", "Notification", "NotificationDailyStat", "NotificationRollupDay", "NotificationTemplate",
    "OrchestrationConfig", "PhaseChannelConfig", "ProviderReceipt", "PushSubscription", "SendSlot", "ServicePhase",
    "ServiceType", "SyncRun", "SyncSource", "TemplateVersion", "User", "Vehicle", "WebhookAttempt", "WebhookEndpoint",
    "WebhookMessage", "Workshop",
]
