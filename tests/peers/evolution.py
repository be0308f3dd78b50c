"""A loopback HTTP server playing Evolution API v2 (sendText, findMessages and connectionState), and
Evolution's side of its webhooks: `messages.upsert` bodies shaped as Evolution v2 posts them for an
incoming text, a quoted reply, our own echo (fromMe) or a group message, posted over HTTP to our
receiver (`post_webhook`)."""

from __future__ import annotations

import json
import secrets
import time
import urllib.error
import urllib.request
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from tests.peers import HttpPeer, PeerHandler

SEND_PREFIX = "/message/sendText/"
FIND_PREFIX = "/chat/findMessages/"
STATE_PREFIX = "/instance/connectionState/"

# A JSON-able value, or a callable(request_json) -> JSON-able value built per request.
Body = Any | Callable[[dict[str, Any]], Any]


@dataclass(frozen=True)
class EvolutionRequest:
    """One request the peer received, and the status it answered."""

    method: str
    path: str
    instance: str
    headers: dict[str, str]
    json: Any
    status: int


@dataclass(frozen=True)
class Scripted:
    """A canned answer for the next sendText call; status None means "answer normally"."""

    status: int | None = None
    body: Body = None
    delay: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)


def error_body(status: int, error: str, message: Any) -> dict[str, Any]:
    """Evolution's error envelope."""
    return {"status": status, "error": error, "response": {"message": message}}


def not_registered_body(request_json: dict[str, Any]) -> dict[str, Any]:
    """The real 400 for a number that has no WhatsApp account."""
    number = str(request_json.get("number", ""))
    item = {"jid": f"{number}@s.whatsapp.net", "exists": False, "number": number}
    return error_body(400, "Bad Request", [item])


def accepted_body(request_json: dict[str, Any]) -> dict[str, Any]:
    """The real 201 for an accepted text."""
    return {
        "key": {
            "remoteJid": f"{request_json.get('number', '')}@s.whatsapp.net",
            "fromMe": True,
            "id": "3EB0" + secrets.token_hex(8).upper(),
        },
        "pushName": "",
        "status": "PENDING",
        "message": {"conversation": request_json.get("text", "")},
        "messageType": "conversation",
        "messageTimestamp": int(time.time()),
    }


def upsert_body(number: str, text: str, *, message_id: str | None = None, quoted_id: str | None = None,
                from_me: bool = False, group: bool = False, push_name: str = "Carlos",
                instance: str = "avisos-test", timestamp: int | None = None) -> dict[str, Any]:
    """A `messages.upsert` webhook body as Evolution API v2 (2.3.x, Baileys) posts it for one incoming
    text: `conversation` for a plain text, `extendedTextMessage` with `contextInfo.stanzaId` for a
    reply quoting one of our messages."""
    jid = f"{number}-1600000000@g.us" if group else f"{number}@s.whatsapp.net"
    message_id = message_id or "3EB0" + secrets.token_hex(10).upper()
    key: dict[str, Any] = {"remoteJid": jid, "fromMe": from_me, "id": message_id}
    if group:
        key["participant"] = f"{number}@s.whatsapp.net"
    if quoted_id:
        message: dict[str, Any] = {"extendedTextMessage": {"text": text, "contextInfo": {
            "stanzaId": quoted_id, "participant": "593990000000@s.whatsapp.net",
            "quotedMessage": {"conversation": "(our notification)"}}}, "messageContextInfo": {}}
        message_type = "extendedTextMessage"
    else:
        message = {"conversation": text, "messageContextInfo": {"deviceListMetadata": {}}}
        message_type = "conversation"
    return {
        "event": "messages.upsert",
        "instance": instance,
        "data": {"key": key, "pushName": push_name, "status": "DELIVERY_ACK", "message": message,
                 "messageType": message_type, "messageTimestamp": timestamp or int(time.time()),
                 "instanceId": "6c1b2f0e-0000-4000-8000-000000000001", "source": "android"},
        "destination": "http://avisos.local/api/internal/v1/providers/evolution/webhook/",
        "date_time": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime()),
        "sender": "593990000000@s.whatsapp.net",
        "server_url": "http://evolution.local:8080",
        "apikey": "instance-token",
    }


def post_webhook(url: str, body: dict[str, Any], timeout: float = 10.0) -> tuple[int, Any]:
    """POST one webhook body to `url` as Evolution does (JSON, its own user agent): (status, JSON)."""
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json", "User-Agent": "axios/1.7.9"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - loopback test URL
            return response.status, _parse_json(response.read())
    except urllib.error.HTTPError as err:
        return err.code, _parse_json(err.read())


class _EvolutionHandler(PeerHandler):
    def do_POST(self) -> None:  # noqa: N802
        self.server.peer.handle(self, "POST")

    def do_GET(self) -> None:  # noqa: N802
        self.server.peer.handle(self, "GET")


class EvolutionPeer(HttpPeer):
    """Evolution API v2 stand-in. `url` is EVOLUTION_API_URL; `received` lists every request."""

    handler_class = _EvolutionHandler

    def __init__(self, api_key: str = "evolution-test-key", instance: str = "avisos-test") -> None:
        super().__init__()
        self.api_key = api_key
        self.instance = instance
        self.state = "open"
        # What findMessages answers: None searches the stored messages; a status answers that.
        self.find_status: int | None = None
        self._received: list[EvolutionRequest] = []
        self._script: deque[Scripted] = deque()
        self._stored: list[dict[str, Any]] = []  # accepted texts, as findMessages returns them

    @property
    def received(self) -> list[EvolutionRequest]:
        with self.lock:
            return list(self._received)

    @property
    def sent(self) -> list[dict[str, Any]]:
        """JSON bodies of the sendText calls the gateway took (answered 201, even when the answer
        came too late for the client)."""
        return [r.json for r in self.received if r.path.startswith(SEND_PREFIX) and r.status == 201]

    @property
    def lookups(self) -> list[EvolutionRequest]:
        """The findMessages calls received."""
        return [r for r in self.received if r.path.startswith(FIND_PREFIX)]

    def settings(self, **overrides: Any) -> dict[str, Any]:
        """EVOLUTION_* settings pointing at this peer."""
        values: dict[str, Any] = {
            "EVOLUTION_API_URL": self.url,
            "EVOLUTION_API_KEY": self.api_key,
            "EVOLUTION_INSTANCE": self.instance,
            "EVOLUTION_TIMEOUT": 10.0,
            "WHATSAPP_DEFAULT_COUNTRY_CODE": "593",
        }
        values.update(overrides)
        return values

    def script(
        self,
        status: int | None = None,
        body: Body = None,
        *,
        times: int = 1,
        delay: float = 0.0,
        headers: dict[str, str] | None = None,
    ) -> None:
        """Answer the next `times` sendText calls with `status`/`body` after `delay` seconds."""
        with self.lock:
            self._script.extend([Scripted(status, body, delay, headers or {})] * times)

    def script_not_registered(self, times: int = 1) -> None:
        """The next sendText calls get the 400 `exists: false` answer for their number."""
        self.script(400, not_registered_body, times=times)

    def set_state(self, state: str) -> None:
        """What connectionState reports: "open", "connecting" or "close"."""
        self.state = state

    def post_upsert(self, url: str, number: str, text: str, **options: Any) -> tuple[int, Any]:
        """Post a `messages.upsert` for an incoming text to our receiver at `url` (see upsert_body)."""
        return post_webhook(url, upsert_body(number, text, instance=self.instance, **options))

    def reset(self) -> None:
        with self.lock:
            self._received.clear()
            self._script.clear()
            self._stored.clear()
        self.state = "open"
        self.find_status = None

    def handle(self, handler: PeerHandler, method: str) -> None:
        """Route one request, answer it, record it."""
        raw = handler.read_body()
        payload = _parse_json(raw)
        path = handler.path.split("?", 1)[0]
        status, body, headers, delay = self._answer(method, path, handler.headers.get("apikey"), payload)
        instance = unquote(path.rsplit("/", 1)[-1])
        with self.lock:
            self._received.append(
                EvolutionRequest(method, path, instance, dict(handler.headers), payload, status)
            )
        if delay:
            self.stopping.wait(delay)
        handler.reply(status, body, headers)

    def _answer(
        self, method: str, path: str, apikey: str | None, payload: Any
    ) -> tuple[int, Any, dict, float]:
        instance = unquote(path.rsplit("/", 1)[-1])
        if apikey != self.api_key:
            return 401, error_body(401, "Unauthorized", "Unauthorized"), {}, 0.0
        if method == "GET" and path.startswith(STATE_PREFIX):
            return self._state_answer(instance)
        if method == "POST" and path.startswith(FIND_PREFIX) and instance == self.instance:
            return self._find_answer(payload if isinstance(payload, dict) else {})
        if method != "POST" or not path.startswith(SEND_PREFIX):
            return 404, error_body(404, "Not Found", [f"Cannot {method} {path}"]), {}, 0.0
        if instance != self.instance:
            return 404, error_body(404, "Not Found", [f'The "{instance}" instance does not exist']), {}, 0.0
        return self._send_answer(payload if isinstance(payload, dict) else {})

    def _state_answer(self, instance: str) -> tuple[int, Any, dict, float]:
        if instance != self.instance:
            return 404, error_body(404, "Not Found", [f'The "{instance}" instance does not exist']), {}, 0.0
        return 200, {"instance": {"instanceName": instance, "state": self.state}}, {}, 0.0

    def _send_answer(self, payload: dict[str, Any]) -> tuple[int, Any, dict, float]:
        with self.lock:
            scripted = self._script.popleft() if self._script else Scripted()
        if scripted.status is not None:
            body = scripted.body(payload) if callable(scripted.body) else scripted.body
            return scripted.status, body, scripted.headers, scripted.delay
        missing = [name for name in ("number", "text") if not str(payload.get(name) or "").strip()]
        if missing:
            messages = [[f'instance requires property "{name}"' for name in missing]]
            return 400, error_body(400, "Bad Request", messages), {}, scripted.delay
        body = accepted_body(payload)
        with self.lock:  # stored before a scripted delay: the gateway took it even if the client gives up
            self._stored.append(body)
        return 201, body, scripted.headers, scripted.delay

    def _find_answer(self, query: dict[str, Any]) -> tuple[int, Any, dict, float]:
        """findMessages: the stored messages matching where.key (remoteJid, fromMe), newest first,
        `offset` per page (Evolution's paging)."""
        if self.find_status is not None:
            return self.find_status, error_body(self.find_status, "Scripted", ["scripted"]), {}, 0.0
        where = (query.get("where") or {}).get("key") or {}
        with self.lock:
            records = [r for r in reversed(self._stored)
                       if all(r["key"].get(k) == v for k, v in where.items() if k in ("remoteJid", "fromMe", "id"))]
        size = max(1, int(query.get("offset") or 50))
        page = max(1, int(query.get("page") or 1))
        chunk = records[(page - 1) * size:page * size]
        return 200, {"messages": {"total": len(records), "pages": -(-len(records) // size), "currentPage": page,
                                  "records": chunk}}, {}, 0.0


def _parse_json(raw: bytes) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return None
