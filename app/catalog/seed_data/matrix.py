"""Default orchestration matrix: one global config per top-level type and target, with a cell for
every phase x channel (disabled cells are stored too, so the console shows the full grid).

Every cell starts on "automatic" (template_id None): the planner picks the most specific template.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.catalog.seed_data.catalog import PHASE_SLUGS, SERVICE_TYPES
from app.channels import CHANNELS
from app.models.enums import TARGET_LABELS

ALL = frozenset(CHANNELS)

# Clients hear about the milestones that need them (the appointment, picking the car up) on every
# channel, and about progress in between by WhatsApp and push. WhatsApp is there so that a customer
# who never switched push on still hears of every phase the core (or the Ambacar PWA) announces:
# repair_started, quality_check and vehicle_ready each reach a customer with a phone number.
CLIENT_DEFAULT: dict[str, frozenset[str]] = {
    "phase-schedule": ALL,
    "phase-reception": frozenset({"whatsapp", "push"}),
    "phase-repair": frozenset({"whatsapp", "push"}),
    "phase-quality": frozenset({"whatsapp", "push"}),
    "phase-delivery": ALL,
}

APPRAISAL_CLIENTS: dict[str, frozenset[str]] = {
    # The customer often waits during an appraisal: a push is enough until the report is ready, and
    # the internal review of the report (quality) is not news for the customer.
    "phase-reception": frozenset({"push"}),
    "phase-quality": frozenset(),
}

CLIENT_OVERRIDES: dict[str, dict[str, frozenset[str]]] = {
    # The order number matters for insurance claims: keep a written (email) copy of the reception.
    "colision-pintura": {"phase-reception": ALL},
    "avaluo-comercial": APPRAISAL_CLIENTS,
    "avaluo-mg": APPRAISAL_CLIENTS,
}

# Staff want to plan the day (new appointments) and to know when a job awaits its final check.
# No push: staff have no push subscriptions.
STAFF_DEFAULT: dict[str, frozenset[str]] = {
    "phase-schedule": frozenset({"email", "whatsapp"}),
    "phase-quality": frozenset({"email"}),
}


@dataclass(frozen=True)
class CellSeed:
    phase: str
    channel: str
    enabled: bool


@dataclass(frozen=True)
class ConfigSeed:
    service_type: str
    target: str
    description: str
    cells: tuple[CellSeed, ...]

    @property
    def key(self) -> tuple[str, str]:
        return (self.service_type, self.target)


def enabled_channels(type_slug: str, target: str) -> dict[str, frozenset[str]]:
    """Phase slug -> the channels switched on by default."""
    if target == "staff":
        return {phase: STAFF_DEFAULT.get(phase, frozenset()) for phase in PHASE_SLUGS}
    overrides = CLIENT_OVERRIDES.get(type_slug, {})
    return {phase: overrides.get(phase, CLIENT_DEFAULT[phase]) for phase in PHASE_SLUGS}


def config_seeds() -> list[ConfigSeed]:
    """5 top-level types x 2 targets, each with 5 phases x 3 channels."""
    seeds = []
    for stype in SERVICE_TYPES:
        for target in ("clients", "staff"):
            enabled = enabled_channels(stype.slug, target)
            cells = tuple(
                CellSeed(phase, channel, channel in enabled[phase]) for phase in PHASE_SLUGS for channel in CHANNELS
            )
            description = f"Configuración predeterminada: {stype.name} ({TARGET_LABELS[target].lower()})."
            seeds.append(ConfigSeed(stype.slug, target, description, cells))
    return seeds
