"""Who gets what on which channel: event + matrix + preferences + contacts -> planned messages.

Plain data in, plain data out. Precedence rules (documented in docs/ORCHESTRATION.md):
- a template must match channel, target, phase (or event type), the event's service type and be
  global or the event's workshop; among those the most specific wins: the workshop's own over a
  global one, then a subtype's over its parent type's; the matrix cell's chosen template breaks ties;
- the matrix decides which channels are on for the phase; the customer's preferences filter and
  order them; a channel without an address for this recipient, or switched off for the workshop,
  is skipped with a reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Collection, Iterable, Sequence

from app.channels import DEFAULT_ORDER

# Event types whose templates are chosen by event type rather than by phase.
REMINDER_EVENT = "maintenance_reminder"
CUSTOM_EVENT = "custom"  # carries its own subject and body in the context
# An appointment_scheduled event may schedule an appointment_reminder (app/orchestration/policy.py).
APPOINTMENT_EVENT = "appointment_scheduled"
APPOINTMENT_REMINDER = "appointment_reminder"
EVENT_TEMPLATE_TYPES = frozenset({REMINDER_EVENT, CUSTOM_EVENT, APPOINTMENT_REMINDER})


@dataclass(frozen=True)
class TemplateData:
    id: str
    name: str
    channel: str
    target: str
    subject: str
    body: str
    html_body: str = ""
    service_type_id: str | None = None
    subtype_id: str | None = None
    phase_id: str | None = None
    event_type: str | None = None
    workshop_id: str | None = None
    is_active: bool = True
    # The template's current saved version (recorded on every notification rendered from it).
    version_id: str | None = None


@dataclass(frozen=True)
class EventSpec:
    event_type: str
    target: str
    service_type_id: str | None  # the top-level type (None: a custom event that names none)
    subtype_id: str | None = None
    phase_id: str | None = None  # None for event templates (e.g. maintenance reminders)
    workshop_id: str | None = None


@dataclass(frozen=True)
class MatrixCell:
    channel: str
    enabled: bool
    template_id: str | None = None


@dataclass(frozen=True)
class Preference:
    channel: str
    enabled: bool
    priority: int


@dataclass(frozen=True)
class Contacts:
    """The recipient's addresses; push is the number of active subscriptions."""

    email: str = ""
    whatsapp: str = ""
    push_subscriptions: int = 0
    push_ref: str = ""

    def address(self, channel: str) -> str:
        if channel == "email":
            return self.email
        if channel == "whatsapp":
            return self.whatsapp
        if channel == "push":
            return self.push_ref if self.push_subscriptions > 0 else ""
        return ""


@dataclass(frozen=True)
class PlannedMessage:
    channel: str
    recipient: str
    template: TemplateData


@dataclass
class Plan:
    messages: list[PlannedMessage] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (channel, reason)

    @property
    def reasons(self) -> list[str]:
        return [f"{channel}: {reason}" for channel, reason in self.skipped]


def channel_order(preferences: Sequence[Preference]) -> list[str]:
    """The customer's channels, best first. Without stored preferences: WhatsApp, email, push.
    Channels the customer switched off are left out; whether an address exists is checked by the
    planner, so that a skipped channel is reported with the right reason."""
    if not preferences:
        return list(DEFAULT_ORDER)
    ranked = sorted(preferences, key=lambda p: (p.priority, DEFAULT_ORDER.index(p.channel)))
    ordered = [p.channel for p in ranked if p.enabled]
    mentioned = {p.channel for p in preferences}
    ordered += [c for c in DEFAULT_ORDER if c not in mentioned]
    return ordered


def _matches(template: TemplateData, spec: EventSpec, channel: str) -> bool:
    if not template.is_active or template.channel != channel or template.target != spec.target:
        return False
    if spec.phase_id is not None:
        if template.phase_id != spec.phase_id:
            return False
    elif template.event_type != spec.event_type:
        return False
    if template.workshop_id not in (None, spec.workshop_id):
        return False
    # A template's service type (never None here) must be the event's type or subtype.
    if template.service_type_id is not None and template.service_type_id not in (spec.service_type_id,
                                                                                 spec.subtype_id):
        return False
    return template.subtype_id in (None, spec.subtype_id)


def template_precedence(template: TemplateData, spec: EventSpec, cell_template_id: str | None = None) -> tuple:
    """How specific a matching template is (larger wins): the workshop's own, a subtype's, the matrix
    cell's choice, a service type's over any type's. The name breaks remaining ties."""
    return _specificity(template, spec, cell_template_id)[:-1]


def _specificity(template: TemplateData, spec: EventSpec, cell_template_id: str | None) -> tuple:
    is_subtype = spec.subtype_id is not None and spec.subtype_id in (template.subtype_id, template.service_type_id)
    return (
        template.workshop_id is not None,
        is_subtype,
        template.id == cell_template_id,
        template.service_type_id is not None,
        template.name,
    )


def choose_template(
    templates: Iterable[TemplateData], spec: EventSpec, channel: str, cell_template_id: str | None = None
) -> TemplateData | None:
    """The most specific active template for this event on this channel, or None."""
    candidates = [t for t in templates if _matches(t, spec, channel)]
    if not candidates:
        return None
    return max(candidates, key=lambda t: _specificity(t, spec, cell_template_id))


def plan_deliveries(
    spec: EventSpec,
    cells: Sequence[MatrixCell] | None,
    templates: Sequence[TemplateData],
    contacts: Contacts,
    preferences: Sequence[Preference] = (),
    workshop_channels: dict[str, bool] | None = None,
    every_channel: bool = False,
    allowed_channels: Collection[str] | None = None,
) -> Plan:
    """Phase events: one message per channel the matrix enables. Event-template events (cells=None):
    one message on the best channel, or on every usable channel in the customer's order with
    `every_channel` (custom events, as the reference sends them). `allowed_channels` (when given)
    narrows the channels an event may use (a reminder's notify_via)."""
    plan = Plan()
    enabled_cells = {c.channel: c for c in (cells or []) if c.enabled}
    if cells is not None and not enabled_cells:
        plan.skipped.append(("*", "no channel is enabled for this phase"))
        return plan
    order = channel_order(preferences)
    candidates = [c for c in order if cells is None or c in enabled_cells]
    for channel in (enabled_cells if cells is not None else []):
        if channel not in order:
            plan.skipped.append((channel, "disabled by the customer's preferences"))
    for channel in candidates:
        reason = _unusable(channel, contacts, workshop_channels, allowed_channels)
        template = None
        if reason is None:
            cell = enabled_cells.get(channel)
            template = choose_template(templates, spec, channel, cell.template_id if cell else None)
            reason = None if template else "no active template matches"
        if reason:
            plan.skipped.append((channel, reason))
            continue
        plan.messages.append(PlannedMessage(channel, contacts.address(channel), template))
        if cells is None and not every_channel:
            break
    return plan


def plan_fallback(
    spec: EventSpec,
    used_channels: Iterable[str],
    templates: Sequence[TemplateData],
    contacts: Contacts,
    preferences: Sequence[Preference] = (),
    workshop_channels: dict[str, bool] | None = None,
    allowed_channels: Collection[str] | None = None,
) -> PlannedMessage | None:
    """The next channel in the customer's order that this event has not used, with ITS template."""
    used = set(used_channels)
    for channel in channel_order(preferences):
        if channel in used or _unusable(channel, contacts, workshop_channels, allowed_channels):
            continue
        template = choose_template(templates, spec, channel)
        if template is not None:
            return PlannedMessage(channel, contacts.address(channel), template)
    return None


def _unusable(channel: str, contacts: Contacts, workshop_channels: dict[str, bool] | None,
              allowed_channels: Collection[str] | None = None) -> str | None:
    if allowed_channels is not None and channel not in allowed_channels:
        return "not among the channels this event may use"
    if workshop_channels is not None and not workshop_channels.get(channel, True):
        return "switched off for the workshop"
    if not contacts.address(channel):
        return "no address for this recipient" if channel != "push" else "no active push subscription"
    return None
