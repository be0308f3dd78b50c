"""The audited models: one `register(...)` line each. To audit a new model, add its line here
(docs/CONSOLE.md, "Auditoría"): every ORM insert, update and delete of it is then recorded, and a
bulk UPDATE/DELETE/INSERT statement on its table through the session is refused unless it only
touches ignored columns or says it recorded itself (execution_options(audit_recorded=True)).

`ignore` lists operational columns that change without anyone configuring anything (counters,
last-use times, locks, watermarks): they are neither recorded nor make an entry on their own."""

from __future__ import annotations

from app.audit.registry import register
from app.models import (
    ApiKey,
    DeliveryPolicy,
    NotificationTemplate,
    OrchestrationConfig,
    PhaseChannelConfig,
    ServicePhase,
    ServiceType,
    SyncSource,
    User,
    WebhookEndpoint,
    Workshop,
)


def _cell_label(cell: PhaseChannelConfig) -> str:
    return f"{cell.phase.slug if cell.phase else cell.phase_id} / {cell.channel}"


def _config_label(config: OrchestrationConfig) -> str:
    return f"{config.service_type.slug if config.service_type else config.service_type_id} / {config.target}"


register(NotificationTemplate, "template", ignore=("version_number", "current_version_id"))
register(OrchestrationConfig, "orchestration_config", label=_config_label)
register(PhaseChannelConfig, "matrix_cell", label=_cell_label)
register(Workshop, "workshop")
register(DeliveryPolicy, "delivery_policy", label=lambda p: f"{p.workshop_id or 'global'} / {p.channel}")
register(ServicePhase, "service_phase")
register(ServiceType, "service_type")
register(User, "user", ignore=("failed_logins", "locked_until", "last_login_at", "session_version"))
register(ApiKey, "api_key", ignore=("last_used_at",), actions={"revoked_at": "revoke"})
register(WebhookEndpoint, "webhook", ignore=("failing_since",), actions={"secret_encrypted": "rotate_secret"})
register(SyncSource, "sync_source", ignore=("watermarks", "last_run_at", "next_run_at", "locked_until"))
