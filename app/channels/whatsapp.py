"""WhatsApp through Evolution API v2 (sendText), on one kept HTTP connection.

The calls go through urllib3, the library under requests, without requests' session layer: a
delivery worker sends every other message here, and that layer (merging settings, preparing the
request, cookies, hooks, building the response) cost about as much as the call: a send took
about 517 microseconds of CPU through it, 280 without (bench/channel_send_cpu.py, loopback;
docs/PERFORMANCE.md). What requests gave is kept: the certifi CA bundle, the environment's proxy
(read once), one connection kept alive, JSON bodies, no retries. Redirects are not followed: a
gateway URL that redirects is a setting to fix.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

import certifi
import urllib3
from requests.utils import get_environ_proxies
from urllib3.exceptions import (
    ConnectTimeoutError,
    HTTPError,
    LocationParseError,
    NewConnectionError,
    ProtocolError,
    ProxyError,
    ReadTimeoutError,
    SSLError,
)

from app.channels.base import CheckResult, Lookup, Message, SendResult
from app.channels.http import parse_retry_after
from app.channels.settings import setting
from app.orchestration.contacts import normalise_phone

SUMMARY_BODY_CHARS = 300
# findMessages answers newest first; one page of our latest messages to the number is searched.
LOOKUP_PAGE_SIZE = 50
# Clocks of Avisos and the gateway may differ this much.
LOOKUP_CLOCK_SLACK = timedelta(seconds=60)
_HEADERS = {"Accept": "application/json", "Accept-Encoding": "gzip, deflate", "User-Agent": "Avisos"}


@dataclass(frozen=True)
class Reply:
    """What the gateway answered: status, reason, headers and the body's bytes."""

    status_code: int
    reason: str
    headers: Mapping[str, str] = field(default_factory=dict)
    content: bytes = b""

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")

    def json(self) -> Any:
        """The body as JSON (ValueError when it is not)."""
        return json.loads(self.content)


class _BadUrl(Exception):
    """EVOLUTION_API_URL is not an http(s) URL with a host."""


class WhatsAppChannel:
    """Evolution API adapter: POST /message/sendText/{instance} with the `apikey` header."""

    name = "whatsapp"

    def __init__(
        self,
        api_url: str,
        api_key: str,
        instance: str,
        *,
        timeout: float = 30.0,
        default_country_code: str = "593",
    ) -> None:
        self.api_url = (api_url or "").rstrip("/")
        self._api_key = api_key or ""
        self.instance = instance or ""
        self.timeout = timeout
        self.default_country_code = default_country_code
        self._http = _connections(self.api_url, timeout)

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> WhatsAppChannel:
        """Build from the EVOLUTION_* / WHATSAPP_DEFAULT_COUNTRY_CODE settings."""
        return cls(
            api_url=setting(config, "EVOLUTION_API_URL"),
            api_key=setting(config, "EVOLUTION_API_KEY"),
            instance=setting(config, "EVOLUTION_INSTANCE"),
            timeout=float(setting(config, "EVOLUTION_TIMEOUT")),
            default_country_code=str(setting(config, "WHATSAPP_DEFAULT_COUNTRY_CODE")),
        )

    @property
    def configured(self) -> bool:
        return bool(self.api_url and self.instance)

    def send(self, message: Message) -> SendResult:
        """Send one text message; 201 means Evolution accepted it (not yet delivered)."""
        if not self.configured:
            return _not_configured()
        number = normalise_phone(message.recipient, self.default_country_code)
        if not number:
            return SendResult.permanent("invalid_number", "no usable WhatsApp number")
        if not message.body.strip():
            return SendResult.permanent("empty_message", "Evolution refuses a blank text")
        try:
            response = self._post("message/sendText", {"number": number, "text": message.body})
        except (HTTPError, _BadUrl) as exc:
            return _network_failure(exc)
        return self._classify(response)

    def find_sent(self, message: Message) -> Lookup:
        """Ask Evolution (POST /chat/findMessages) whether it has sent this text to this number
        since `message.unsure_since`: an earlier attempt's answer timed out, or its worker died,
        after the gateway may have taken it. Evolution keeps no idempotency key, so a message is
        matched by number, text and time; the search needs the gateway to store messages
        (DATABASE_SAVE_DATA_NEW_MESSAGE), else it finds nothing and the message is sent again."""
        number = normalise_phone(message.recipient, self.default_country_code)
        if not self.configured or not number or message.unsure_since is None:
            return Lookup("unsupported")
        query = {"where": {"key": {"remoteJid": f"{number}@s.whatsapp.net", "fromMe": True}},
                 "page": 1, "offset": LOOKUP_PAGE_SIZE}
        try:
            response = self._post("chat/findMessages", query)
        except (HTTPError, _BadUrl) as exc:
            return Lookup("unavailable", detail=f"findMessages: {type(exc).__name__}")
        if response.status_code >= 500 or response.status_code in (408, 429):
            return Lookup("unavailable", detail=f"findMessages: {self._summary(response)}")
        if response.status_code != 200:
            return Lookup("unsupported", detail=f"findMessages: {self._summary(response)}")
        ids = _matching_ids(_json(response), message.body, message.unsure_since - LOOKUP_CLOCK_SLACK)
        return Lookup("found", ids) if ids else Lookup("absent")

    def check(self) -> CheckResult:
        """Ask Evolution for the instance's connection state; ok only when it is "open"."""
        if not self.configured:
            return CheckResult(False, "WhatsApp not configured (EVOLUTION_API_URL / EVOLUTION_INSTANCE)")
        try:
            response = self._call("GET", "instance/connectionState")
        except (HTTPError, _BadUrl) as exc:
            return CheckResult(False, f"Evolution API unreachable: {type(exc).__name__}")
        if response.status_code != 200:
            return CheckResult(False, f"Evolution answered {self._summary(response)}")
        state = _dig(_json(response), "instance", "state") or "unknown"
        return CheckResult(state == "open", f"instance '{self.instance}' state: {state}")

    def close(self) -> None:
        """Close the kept HTTP connection."""
        if self._http is not None:
            self._http.clear()

    def _endpoint(self, action: str) -> str:
        return f"{self.api_url}/{action}/{quote(self.instance, safe='')}"

    def _post(self, action: str, body: Any) -> Reply:
        return self._call("POST", action, json.dumps(body, allow_nan=False).encode())

    def _call(self, method: str, action: str, body: bytes | None = None) -> Reply:
        """One request, no retry, no redirect followed; raises urllib3's errors (or _BadUrl)."""
        if self._http is None:
            raise _BadUrl
        headers = {**_HEADERS, "apikey": self._api_key}
        if body is not None:
            headers["Content-Type"] = "application/json"
        response = self._http.request(method, self._endpoint(action), body=body, headers=headers, redirect=False)
        return Reply(response.status, response.reason or "", response.headers, response.data)

    def _summary(self, response: Reply) -> str:
        return self._redact(f"{response.status_code} {response.text[:SUMMARY_BODY_CHARS]}".strip())

    def _redact(self, text: str) -> str:
        # Belt and braces: never let a provider's echo put the key into stored attempt rows.
        return text.replace(self._api_key, "***") if self._api_key else text

    def _classify(self, response: Reply) -> SendResult:
        status = response.status_code
        summary = self._summary(response)
        if status in (200, 201):
            provider_id = _dig(_json(response), "key", "id")
            return SendResult.success(provider_message_id=provider_id, summary=summary)
        detail = self._redact(_error_text(response))
        if status == 400 and _not_registered(response):
            return SendResult.permanent(
                "whatsapp_not_registered", "number is not on WhatsApp", response_summary=summary
            )
        if status == 401:
            return _config_failure("evolution_unauthorized", "Evolution rejected the API key", summary)
        if status == 404:
            return _config_failure(
                "evolution_instance_not_found", f"unknown instance '{self.instance}'", summary
            )
        if 300 <= status < 400:
            location = self._redact(response.headers.get("Location") or "?")
            return _config_failure(
                "evolution_redirect", f"EVOLUTION_API_URL redirects to {location}: set the address it redirects to",
                summary)
        if status in (408, 429) or status >= 500:
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            return SendResult.transient(
                f"evolution_{status}", detail, response_summary=summary, retry_after=retry_after
            )
        if 400 <= status < 500:
            return SendResult.permanent(f"evolution_{status}", detail, response_summary=summary)
        return SendResult.transient(
            f"evolution_{status}", f"unexpected HTTP {status}", response_summary=summary
        )


def _not_configured() -> SendResult:
    return SendResult.permanent(
        "whatsapp_not_configured", "EVOLUTION_API_URL / EVOLUTION_INSTANCE not set", config_problem=True
    )


def _config_failure(code: str, text: str, summary: str) -> SendResult:
    return SendResult.permanent(code, text, response_summary=summary, config_problem=True)


def _connections(api_url: str, timeout: float) -> urllib3.PoolManager | None:
    """The kept connection's manager for `api_url` (through the environment's proxy for it, read
    once; NO_PROXY honoured), or None when it is not an http(s) URL with a host."""
    try:
        parsed = urllib3.util.parse_url(api_url)
    except LocationParseError:
        return None
    if parsed.scheme not in ("http", "https") or not parsed.host:
        return None
    options = {"num_pools": 2, "maxsize": 1, "retries": False, "ca_certs": certifi.where(),
               "timeout": urllib3.Timeout(connect=timeout, read=timeout)}
    proxies = get_environ_proxies(api_url)
    proxy = proxies.get(parsed.scheme) or proxies.get("all")
    return urllib3.ProxyManager(proxy, **options) if proxy else urllib3.PoolManager(**options)


def _network_failure(exc: Exception) -> SendResult:
    if isinstance(exc, (_BadUrl, LocationParseError)):
        return SendResult.permanent(
            "evolution_invalid_url", "EVOLUTION_API_URL is not a usable URL", config_problem=True
        )
    # NewConnectionError (refused, no route, name not resolved) is a ConnectTimeoutError to urllib3:
    # test it first. A connect timeout means the request never left; a read timeout means the
    # gateway may have taken it (checked before a resend).
    if isinstance(exc, (NewConnectionError, ProtocolError, ProxyError, SSLError)):
        return SendResult.transient("evolution_connection_error", "cannot reach the Evolution API")
    if isinstance(exc, ConnectTimeoutError):
        return SendResult.transient("evolution_connect_timeout", "cannot reach the Evolution API in time")
    if isinstance(exc, ReadTimeoutError):
        return SendResult.transient("evolution_timeout", "Evolution API did not answer in time")
    return SendResult.transient("evolution_request_error", type(exc).__name__)


def _matching_ids(data: Any, text: str, since: datetime) -> tuple[str, ...]:
    """Ids of the findMessages records sent by us with exactly `text` at or after `since`."""
    records = _dig(data, "messages", "records")
    found = []
    for record in records if isinstance(records, list) else []:
        if not isinstance(record, dict) or _dig(record, "key", "fromMe") is not True:
            continue
        body = _dig(record, "message", "conversation") or _dig(record, "message", "extendedTextMessage", "text")
        stamp = record.get("messageTimestamp")
        if body != text or not isinstance(stamp, (int, float)) or stamp < since.timestamp():
            continue
        if isinstance(_dig(record, "key", "id"), str):
            found.append(record["key"]["id"])
    return tuple(found)


def _json(response: Reply) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _dig(data: Any, *keys: str) -> Any:
    """data[k1][k2]... or None when any level is missing or not an object."""
    for key in keys:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


def _messages(response: Reply) -> list[Any]:
    messages = _dig(_json(response), "response", "message")
    return messages if isinstance(messages, list) else []


def _not_registered(response: Reply) -> bool:
    """Evolution's 400 for a number without WhatsApp lists {"exists": false, ...} items."""
    return any(isinstance(item, dict) and item.get("exists") is False for item in _messages(response))


def _error_text(response: Reply) -> str:
    data = _json(response)
    parts = [str(data.get("error") or response.reason or "")]
    parts += [str(item) for item in _messages(response) if not isinstance(item, dict)]
    text = ": ".join(part for part in parts if part)
    return text[:SUMMARY_BODY_CHARS] or f"HTTP {response.status_code}"
