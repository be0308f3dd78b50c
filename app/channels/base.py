"""The one small interface every channel adapter implements.

Adapters are plain Python: built from a settings mapping, no Flask, no database. They never
swallow a failure: every outcome is classified as ok, transient (retry later) or permanent
(fail now and fall back), and the caller records it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, Mapping, Protocol

Outcome = Literal["ok", "transient", "permanent"]


@dataclass(frozen=True)
class PushTarget:
    """One browser subscription of the recipient."""

    id: str
    endpoint: str
    p256dh: str
    auth: str


@dataclass(frozen=True)
class Message:
    """A rendered message ready to go out on one channel."""

    notification_id: str
    channel: str
    recipient: str  # email address, WhatsApp number, or the customer reference for push
    subject: str
    body: str  # plain text
    html_body: str = ""  # email only: the escaped HTML fragment
    payload: Mapping[str, Any] = field(default_factory=dict)  # channel extras (push url/tag, email headers)
    push_targets: tuple[PushTarget, ...] = ()
    # Set when an earlier attempt may have reached the provider (its answer timed out, or the
    # worker stopped before recording it): an adapter that can ask its provider whether it has
    # this message since then does so before sending it again.
    unsure_since: datetime | None = None


@dataclass(frozen=True)
class SendResult:
    outcome: Outcome
    provider_message_id: str | None = None
    error_code: str = ""
    error_message: str = ""
    response_summary: str = ""
    retry_after: float | None = None  # seconds the provider asked us to wait
    config_problem: bool = False  # our credentials/keys are wrong: alert the operators
    gone_push_targets: tuple[str, ...] = ()  # push subscription ids to deactivate (404/410)
    delivered_push_targets: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.outcome == "ok"

    @classmethod
    def success(cls, provider_message_id: str | None = None, summary: str = "", **extra) -> "SendResult":
        return cls("ok", provider_message_id=provider_message_id, response_summary=summary, **extra)

    @classmethod
    def transient(cls, code: str, message: str, **extra) -> "SendResult":
        return cls("transient", error_code=code, error_message=message, **extra)

    @classmethod
    def permanent(cls, code: str, message: str, **extra) -> "SendResult":
        return cls("permanent", error_code=code, error_message=message, **extra)


@dataclass(frozen=True)
class Lookup:
    """What a provider says about a message an earlier attempt may have sent (`find_sent`).

    status: "found" (ids of matching messages since `unsure_since`), "absent", "unavailable" (the
    provider did not answer: ask again later) or "unsupported" (it cannot be asked: send again).
    """

    status: Literal["found", "absent", "unavailable", "unsupported"]
    provider_message_ids: tuple[str, ...] = ()
    detail: str = ""


@dataclass(frozen=True)
class CheckResult:
    """Outcome of a provider connection check ("probar conexión")."""

    ok: bool
    detail: str


class Channel(Protocol):
    name: str

    def send(self, message: Message) -> SendResult:
        """Send one message; never raises for a provider failure."""

    def check(self) -> CheckResult:
        """Verify configuration and reachability without sending anything."""

    def close(self) -> None:
        """Release kept connections (called when a worker stops)."""

    # Optional: adapters whose provider can be asked which messages it has sent implement
    # find_sent(message) -> Lookup (WhatsApp, through Evolution's findMessages).

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> "Channel":
        """Build the adapter from the app's settings mapping."""
