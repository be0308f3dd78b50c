"""Web Push (RFC 8030/8291/8292) through pywebpush with VAPID: one message, every subscription."""

from __future__ import annotations

import base64
import json
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from http_ece import ECEException
from py_vapid import Vapid, Vapid01, VapidException

from app.channels.base import CheckResult, Message, PushTarget, SendResult
from app.channels.http import parse_retry_after
from app.channels.settings import setting

if TYPE_CHECKING:
    from pywebpush import WebPushException

# Largest plaintext a push service must accept once aes128gcm framing is added (RFC 8291).
MAX_PAYLOAD_BYTES = 3993
# Push services reject VAPID tokens that live longer than 24 h; pywebpush itself uses 12 h.
CLAIMS_LIFETIME_SECONDS = 12 * 3600
DEFAULT_TITLE = "Avisos"
ELLIPSIS = "\u2026"
_TOPIC = re.compile(r"^[A-Za-z0-9_-]{1,32}$")

_BAD_URL = (
    requests.exceptions.InvalidURL,
    requests.exceptions.MissingSchema,
    requests.exceptions.InvalidSchema,
)

TargetKind = Literal["ok", "gone", "transient", "permanent"]


class PayloadTooLargeError(ValueError):
    """Even an empty body leaves the notification JSON above the push size limit."""


@dataclass(frozen=True)
class TargetOutcome:
    """What one subscription's push service answered."""

    target_id: str
    kind: TargetKind
    code: str = ""
    detail: str = ""
    status: int | None = None
    retry_after: float | None = None
    config_problem: bool = False
    location: str | None = None


class PushChannel:
    """Sends one encrypted notification to each of the recipient's browser subscriptions."""

    name = "push"

    def __init__(
        self,
        public_key: str,
        private_key: str,
        contact: str,
        *,
        ttl: int = 48 * 3600,
        timeout: float = 10.0,
        icon_url: str = "",
        badge_url: str = "",
        frontend_url: str = "",
    ) -> None:
        self.public_key = public_key or ""
        self._private_key = private_key or ""
        self.contact = contact or ""
        self.ttl = ttl
        self.timeout = timeout
        self.icon_url = icon_url
        self.badge_url = badge_url
        self.frontend_url = frontend_url
        self._vapid: Vapid01 | None = None
        self._session = requests.Session()

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> PushChannel:
        """Build from the VAPID_* / PUSH_* / FRONTEND_URL settings."""
        return cls(
            public_key=setting(config, "VAPID_PUBLIC_KEY"),
            private_key=setting(config, "VAPID_PRIVATE_KEY"),
            contact=setting(config, "VAPID_CONTACT_EMAIL"),
            ttl=int(setting(config, "PUSH_TTL_SECONDS")),
            timeout=float(setting(config, "PUSH_TIMEOUT")),
            icon_url=setting(config, "PUSH_ICON_URL"),
            badge_url=setting(config, "PUSH_BADGE_URL"),
            frontend_url=config.get("FRONTEND_URL", "") or "",
        )

    @property
    def configured(self) -> bool:
        return bool(self.public_key and self._private_key and self.contact)

    def send(self, message: Message) -> SendResult:
        """Push to every target; success when at least one push service accepted it."""
        if not self.configured:
            return SendResult.permanent(
                "push_not_configured", "VAPID keys or VAPID_CONTACT_EMAIL not set", config_problem=True
            )
        if not message.push_targets:
            return SendResult.permanent("no_push_subscription", "the recipient has no active subscription")
        vapid = self._load_vapid()
        if vapid is None:
            return SendResult.permanent(
                "push_invalid_vapid_key", "VAPID_PRIVATE_KEY cannot be loaded", config_problem=True
            )
        try:
            data = fit_payload(self.build_payload(message))
        except PayloadTooLargeError as exc:
            return SendResult.permanent("push_payload_too_large", str(exc))
        except (TypeError, ValueError) as exc:
            return SendResult.permanent("push_invalid_payload", f"payload is not JSON: {exc}")
        headers = push_headers(message.payload)
        outcomes = [self._send_one(target, data, headers, vapid) for target in message.push_targets]
        return aggregate(outcomes)

    def check(self) -> CheckResult:
        """Verify the VAPID settings: keys present, private key loads, public key matches it."""
        if not (self.public_key and self._private_key):
            return CheckResult(False, "VAPID keys missing (VAPID_PUBLIC_KEY / VAPID_PRIVATE_KEY)")
        vapid = self._load_vapid()
        if vapid is None:
            return CheckResult(False, "VAPID_PRIVATE_KEY cannot be loaded")
        try:
            configured = b64url_decode(self.public_key)
        except ValueError:
            return CheckResult(False, "VAPID_PUBLIC_KEY is not base64url")
        if configured != public_point(vapid.public_key):
            return CheckResult(False, "VAPID_PUBLIC_KEY does not match VAPID_PRIVATE_KEY")
        if not self.contact:
            return CheckResult(False, "VAPID_CONTACT_EMAIL not set")
        return CheckResult(True, f"VAPID keys valid (public key {self.public_key[:12]}...)")

    def close(self) -> None:
        """Close the kept HTTP session."""
        self._session.close()

    def build_payload(self, message: Message) -> dict[str, Any]:
        """The JSON the service worker receives."""
        extras = message.payload
        return {
            "title": message.subject or DEFAULT_TITLE,
            "body": message.body,
            "url": extras.get("url") or self.frontend_url,
            "icon": self.icon_url,
            "badge": self.badge_url,
            "tag": extras.get("tag"),
            "id": message.notification_id,
            "data": extras.get("data", {}),
        }

    def claims(self) -> dict[str, str | int]:
        """A fresh claims dict: webpush() writes the endpoint's `aud` into it."""
        return {"sub": vapid_subject(self.contact), "exp": int(time.time()) + CLAIMS_LIFETIME_SECONDS}

    def _load_vapid(self) -> Vapid01 | None:
        if self._vapid is None:
            try:
                self._vapid = Vapid.from_string(private_key=self._private_key)
            except (ValueError, TypeError, VapidException):
                return None
        return self._vapid

    def _send_one(
        self, target: PushTarget, data: bytes, headers: dict[str, str], vapid: Vapid01
    ) -> TargetOutcome:
        # Imported on the first send: pywebpush brings aiohttp and more (about 12 MiB and 0.3 s of
        # start-up), which web processes and workers without push subscribers never need.
        from pywebpush import WebPushException, webpush

        try:
            response = webpush(
                subscription_info=subscription_info(target),
                data=data,
                vapid_private_key=vapid,
                vapid_claims=self.claims(),
                ttl=self.ttl,
                headers=headers,
                timeout=self.timeout,
                requests_session=self._session,
            )
        except WebPushException as exc:
            return classify_push_failure(target.id, exc)
        except requests.Timeout:
            return TargetOutcome(
                target.id, "transient", "push_timeout", "push service did not answer in time"
            )
        except _BAD_URL:
            return TargetOutcome(
                target.id, "permanent", "push_invalid_subscription", "endpoint is not a usable URL"
            )
        except requests.RequestException as exc:
            return TargetOutcome(target.id, "transient", "push_connection_error", type(exc).__name__)
        except VapidException as exc:
            return TargetOutcome(target.id, "permanent", "push_vapid_error", str(exc), config_problem=True)
        except (ValueError, TypeError, ECEException) as exc:
            # Malformed p256dh/auth stored for this subscription: encryption is impossible.
            return TargetOutcome(target.id, "permanent", "push_invalid_subscription", type(exc).__name__)
        return TargetOutcome(
            target.id, "ok", status=response.status_code, location=response.headers.get("Location")
        )


def classify_push_failure(target_id: str, exc: WebPushException) -> TargetOutcome:
    """Map a push service's error answer (RFC 8030) to an outcome for that subscription."""
    # A requests.Response is falsy for any status >= 400: compare with None, never truthiness.
    if exc.response is None:
        return TargetOutcome(target_id, "permanent", "push_invalid_subscription", str(exc.message))
    response = exc.response
    status = response.status_code
    detail = f"push service answered {status}: {response.text[:200]}".rstrip(": ")
    if status in (404, 410):
        return TargetOutcome(target_id, "gone", "push_subscription_gone", detail, status)
    if status == 413:
        return TargetOutcome(target_id, "permanent", "push_payload_too_large", detail, status)
    if status == 429 or status >= 500:
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        return TargetOutcome(target_id, "transient", f"push_{status}", detail, status, retry_after)
    if status in (400, 401, 403):
        return TargetOutcome(target_id, "permanent", f"push_{status}", detail, status, config_problem=True)
    return TargetOutcome(target_id, "permanent", f"push_{status}", detail, status)


def aggregate(outcomes: list[TargetOutcome]) -> SendResult:
    """One result for the message: any delivery wins, then retryable failures, then gone."""
    delivered = tuple(o.target_id for o in outcomes if o.kind == "ok")
    gone = tuple(o.target_id for o in outcomes if o.kind == "gone")
    summary = summarise(outcomes)
    if delivered:
        location = next((o.location for o in outcomes if o.kind == "ok" and o.location), None)
        return SendResult.success(
            provider_message_id=location,
            summary=summary,
            delivered_push_targets=delivered,
            gone_push_targets=gone,
        )
    transient = [o for o in outcomes if o.kind == "transient"]
    if transient:
        waits = [o.retry_after for o in transient if o.retry_after is not None]
        return SendResult.transient(
            transient[0].code,
            transient[0].detail,
            retry_after=max(waits) if waits else None,
            gone_push_targets=gone,
            response_summary=summary,
        )
    if len(gone) == len(outcomes):
        return SendResult.permanent(
            "push_subscription_gone",
            "every subscription is gone",
            gone_push_targets=gone,
            response_summary=summary,
        )
    first = next(o for o in outcomes if o.kind == "permanent")
    return SendResult.permanent(
        first.code,
        first.detail,
        config_problem=first.config_problem,
        gone_push_targets=gone,
        response_summary=summary,
    )


def summarise(outcomes: list[TargetOutcome]) -> str:
    """Counts and statuses only: endpoints are capability URLs and stay out of the records."""
    counts = {
        kind: sum(1 for o in outcomes if o.kind == kind) for kind in ("ok", "gone", "transient", "permanent")
    }
    statuses = ",".join(str(o.status) if o.status is not None else o.code for o in outcomes)
    parts = " ".join(f"{kind}={count}" for kind, count in counts.items())
    return f"{len(outcomes)} targets: {parts} [{statuses}]"


def push_headers(extras: Mapping[str, Any]) -> dict[str, str]:
    """Urgency always; Topic only when valid (a bad one would make the service reject the push)."""
    headers = {"Urgency": "normal"}
    topic = extras.get("topic")
    if isinstance(topic, str) and _TOPIC.match(topic):
        headers["Topic"] = topic
    return headers


def subscription_info(target: PushTarget) -> dict[str, Any]:
    return {"endpoint": target.endpoint, "keys": {"p256dh": target.p256dh, "auth": target.auth}}


def vapid_subject(contact: str) -> str:
    """The VAPID `sub` claim: a mailto: or https: URI."""
    contact = contact.strip()
    return contact if contact.startswith(("mailto:", "https:")) else f"mailto:{contact}"


def encode_payload(payload: Mapping[str, Any]) -> bytes:
    # ensure_ascii=False: Spanish text costs 2 bytes per accented letter instead of 6.
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def fit_payload(payload: dict[str, Any], limit: int = MAX_PAYLOAD_BYTES) -> bytes:
    """Encode the payload, cutting the body (ending it with an ellipsis) until it fits `limit`."""
    encoded = encode_payload(payload)
    if len(encoded) <= limit:
        return encoded
    body = str(payload.get("body") or "")
    keep = _longest_fitting_prefix(payload, body, limit)
    if keep is None:
        raise PayloadTooLargeError(f"notification JSON exceeds {limit} bytes even without a body")
    return encode_payload({**payload, "body": body[:keep].rstrip() + ELLIPSIS})


def _longest_fitting_prefix(payload: dict[str, Any], body: str, limit: int) -> int | None:
    best, low, high = None, 0, len(body) - 1
    while low <= high:
        middle = (low + high) // 2
        if len(encode_payload({**payload, "body": body[:middle] + ELLIPSIS})) <= limit:
            best, low = middle, middle + 1
        else:
            high = middle - 1
    return best


def b64url_encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Decode base64url with or without padding; raises ValueError on junk."""
    data = text.strip().encode("ascii")
    return base64.urlsafe_b64decode(data + b"=" * (-len(data) % 4))


def public_point(public_key: ec.EllipticCurvePublicKey) -> bytes:
    """The uncompressed P-256 point (65 bytes), the form browsers take as applicationServerKey."""
    return public_key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)


def generate_vapid_keys() -> tuple[str, str]:
    """A new VAPID pair as (public uncompressed point, private raw 32 bytes), both base64url.

    The same format `npx web-push generate-vapid-keys` prints and pywebpush accepts.
    """
    private_key = ec.generate_private_key(ec.SECP256R1())
    raw_private = private_key.private_numbers().private_value.to_bytes(32, "big")
    return b64url_encode(public_point(private_key.public_key())), b64url_encode(raw_private)
