"""A loopback push service (RFC 8030) that checks VAPID (RFC 8292) and decrypts (RFC 8291)."""

from __future__ import annotations

import base64
import json
import os
import secrets
import time
from collections import deque
from dataclasses import dataclass, field, replace
from typing import Any

import http_ece
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from app.channels.base import PushTarget
from tests.peers import HttpPeer, PeerHandler

PUSH_PREFIX = "/push/"
MAX_CLAIMS_LIFETIME = 24 * 3600


class VapidRejectedError(Exception):
    """The Authorization header does not carry a valid VAPID token for this service."""


def b64url_decode(text: str) -> bytes:
    data = text.strip().encode("ascii")
    return base64.urlsafe_b64decode(data + b"=" * (-len(data) % 4))


def b64url_encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def verify_vapid(
    authorization: str | None, origin: str, now: float | None = None
) -> tuple[dict[str, Any], str]:
    """Check `vapid t=<JWT>, k=<key>`: ES256 signature by k, aud = origin, exp in (now, now+24h].

    Returns (claims, k). Raises VapidRejectedError with the reason.
    """
    token, key = _split_vapid_header(authorization or "")
    try:
        header_b64, claims_b64, signature_b64 = token.split(".")
        header = json.loads(b64url_decode(header_b64))
        claims = json.loads(b64url_decode(claims_b64))
        public_key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b64url_decode(key))
        signature = b64url_decode(signature_b64)
    except ValueError as exc:
        raise VapidRejectedError(f"malformed token: {exc}") from exc
    if header.get("alg") != "ES256" or len(signature) != 64:
        raise VapidRejectedError("token is not ES256")
    der = encode_dss_signature(int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big"))
    try:
        public_key.verify(der, f"{header_b64}.{claims_b64}".encode(), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature as exc:
        raise VapidRejectedError("bad signature") from exc
    _check_claims(claims, origin, time.time() if now is None else now)
    return claims, key


def _split_vapid_header(authorization: str) -> tuple[str, str]:
    scheme, _, params = authorization.partition(" ")
    if scheme.lower() != "vapid":
        raise VapidRejectedError("Authorization scheme is not vapid")
    parts: dict[str, str] = {}
    for item in params.split(","):
        name, _, value = item.strip().partition("=")
        parts[name] = value
    if not parts.get("t") or not parts.get("k"):
        raise VapidRejectedError("vapid header needs t= and k=")
    return parts["t"], parts["k"]


def _check_claims(claims: dict[str, Any], origin: str, now: float) -> None:
    if claims.get("aud") != origin:
        raise VapidRejectedError(f"aud {claims.get('aud')!r} is not {origin!r}")
    exp = claims.get("exp")
    if not isinstance(exp, int) or not now < exp <= now + MAX_CLAIMS_LIFETIME:
        raise VapidRejectedError(f"exp {exp!r} not within the next 24 h")
    if not str(claims.get("sub", "")).startswith(("mailto:", "https:")):
        raise VapidRejectedError("sub must be a mailto: or https: URI")


@dataclass(frozen=True)
class Subscriber:
    """A fake browser subscription whose private key the peer holds for decryption."""

    token: str
    endpoint: str
    p256dh: str
    auth: str
    private_key: ec.EllipticCurvePrivateKey = field(repr=False)

    def subscription_info(self) -> dict[str, Any]:
        return {"endpoint": self.endpoint, "keys": {"p256dh": self.p256dh, "auth": self.auth}}

    def target(self, target_id: str | None = None) -> PushTarget:
        """The subscription as the adapter's PushTarget (id defaults to the token)."""
        return PushTarget(
            id=target_id or self.token, endpoint=self.endpoint, p256dh=self.p256dh, auth=self.auth
        )


@dataclass(frozen=True)
class PushRecord:
    """One push request: what arrived, what it decrypted to, what we answered."""

    token: str
    headers: dict[str, str]  # names lower-cased: HTTP header names are case-insensitive
    ttl: int | None
    claims: dict[str, Any] | None
    vapid_key: str | None
    rejection: str | None
    plaintext: bytes | None
    status: int

    @property
    def payload(self) -> Any:
        """The decrypted body parsed as JSON (None if it did not decrypt)."""
        return None if self.plaintext is None else json.loads(self.plaintext)


@dataclass(frozen=True)
class _Scripted:
    status: int
    headers: dict[str, str]
    body: bytes


class _PushHandler(PeerHandler):
    def do_POST(self) -> None:  # noqa: N802
        self.server.peer.handle(self)


class PushServicePeer(HttpPeer):
    """Push service on loopback. Default answer 201 with a Location; scriptable per token."""

    handler_class = _PushHandler

    def __init__(self) -> None:
        super().__init__()
        self._subscribers: dict[str, Subscriber] = {}
        self._scripts: dict[str, deque[_Scripted]] = {}
        self._received: list[PushRecord] = []

    @property
    def received(self) -> list[PushRecord]:
        with self.lock:
            return list(self._received)

    @property
    def delivered(self) -> list[PushRecord]:
        """Records answered 201 (verified and decrypted)."""
        return [record for record in self.received if record.status == 201]

    def make_subscriber(self, token: str | None = None) -> Subscriber:
        """A new P-256 key pair and 16-byte auth secret with an endpoint on this service."""
        private_key = ec.generate_private_key(ec.SECP256R1())
        point = private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        token = token or secrets.token_urlsafe(12)
        subscriber = Subscriber(
            token=token,
            endpoint=f"{self.url}{PUSH_PREFIX}{token}",
            p256dh=b64url_encode(point),
            auth=b64url_encode(os.urandom(16)),
            private_key=private_key,
        )
        with self.lock:
            self._subscribers[token] = subscriber
        return subscriber

    def script(
        self,
        token: str,
        status: int,
        *,
        times: int = 1,
        headers: dict[str, str] | None = None,
        body: bytes = b"",
    ) -> None:
        """Answer the next `times` pushes to `token` with `status` (e.g. 410, 429 + Retry-After)."""
        with self.lock:
            queue = self._scripts.setdefault(token, deque())
            queue.extend([_Scripted(status, headers or {}, body)] * times)

    def reset(self) -> None:
        """Forget records and scripts (subscribers stay registered)."""
        with self.lock:
            self._received.clear()
            self._scripts.clear()

    def handle(self, handler: PeerHandler) -> None:
        """Verify, decrypt, record, answer."""
        body = handler.read_body()
        path = handler.path.split("?", 1)[0]
        token = path[len(PUSH_PREFIX) :] if path.startswith(PUSH_PREFIX) else ""
        with self.lock:
            subscriber = self._subscribers.get(token)
            queue = self._scripts.get(token)
            scripted = queue.popleft() if queue else None
        headers = {name.lower(): value for name, value in handler.headers.items()}
        record = self._inspect(token, subscriber, headers, body)
        if scripted is not None:
            record = replace(record, status=scripted.status)
        with self.lock:
            self._received.append(record)
        if scripted is not None:
            handler.reply(scripted.status, scripted.body, scripted.headers)
        elif record.status == 201:
            handler.reply(201, b"", {"Location": f"{self.url}/message/{secrets.token_hex(8)}"})
        else:
            handler.reply(record.status, (record.rejection or "").encode())

    def _inspect(
        self, token: str, subscriber: Subscriber | None, headers: dict[str, str], body: bytes
    ) -> PushRecord:
        ttl = _int_or_none(_header(headers, "TTL"))
        claims = key = rejection = plaintext = None
        try:
            claims, key = verify_vapid(_header(headers, "Authorization"), self.url)
        except VapidRejectedError as exc:
            rejection = str(exc)
        if subscriber is None:
            status, rejection = 404, rejection or "unknown subscription"
        elif rejection:
            status = 403
        elif ttl is None or _header(headers, "Content-Encoding") != "aes128gcm":
            status, rejection = 400, "TTL and Content-Encoding: aes128gcm are required"
        else:
            plaintext, rejection = _decrypt(subscriber, body)
            status = 201 if plaintext is not None else 400
        return PushRecord(token, headers, ttl, claims, key, rejection, plaintext, status)


def _decrypt(subscriber: Subscriber, body: bytes) -> tuple[bytes | None, str | None]:
    try:
        plaintext = http_ece.decrypt(
            body,
            private_key=subscriber.private_key,
            auth_secret=b64url_decode(subscriber.auth),
            version="aes128gcm",
        )
    except Exception as exc:  # noqa: BLE001 - any failure means the body was not for this key
        return None, f"cannot decrypt: {type(exc).__name__}"
    return plaintext, None


def _header(headers: dict[str, str], name: str) -> str | None:
    return headers.get(name.lower())


def _int_or_none(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None
