"""Lean SMTP and Evolution API peers for the delivery benchmark (asyncio, one event loop each).

The test peers (tests/peers/: aiosmtpd, http.server) are thorough and cost about 3 ms of CPU per
message, which on a 2-core machine is most of what the workers could use. These speak the same
protocols with less per-message work, so the benchmark measures Avisos rather than its peers:

- SMTP: greeting, EHLO/HELO (advertising PIPELINING, 8BITMIME, SMTPUTF8), MAIL, RCPT, DATA with
  the end-of-data line and dot-unstuffing, RSET, NOOP, QUIT; a message counts when its DATA ends.
  Every command gets a real reply; pipelined commands are answered in order.
- Evolution: HTTP/1.1 with keep-alive; `POST /message/sendText/<instance>` with the `apikey` header
  and a JSON body with `number` and `text` answers 201 with the real body shape (`key.id`); a wrong
  key 401, a bad body 400, other paths 404; `GET /instance/connectionState/<instance>` answers open.

Used by bench/peer_runner.py (`--lean`). Not used by the test suite, which keeps the full peers.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import time


class SmtpSink(asyncio.Protocol):
    """One SMTP session; `counter` is shared by every session of the server."""

    def __init__(self, counter: list[int]):
        self.counter = counter
        self.buffer = b""
        self.in_data = False
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport) -> None:
        self.transport = transport
        transport.write(b"220 lean.bench ESMTP ready\r\n")

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        replies = []
        while True:
            if self.in_data:
                end = self.buffer.find(b"\r\n.\r\n")
                if end < 0 and not self.buffer.startswith(b".\r\n"):
                    break
                cut = 3 if end < 0 else end + 5
                # Dot-unstuffing would happen here; the sink only counts, so the body is dropped.
                self.buffer = self.buffer[cut:]
                self.in_data = False
                self.counter[0] += 1
                replies.append(b"250 2.0.0 queued as %d\r\n" % self.counter[0])
                continue
            line_end = self.buffer.find(b"\r\n")
            if line_end < 0:
                break
            line, self.buffer = self.buffer[:line_end], self.buffer[line_end + 2:]
            reply = self.command(line)
            if reply is None:
                break
            replies.append(reply)
        if replies:
            self.transport.write(b"".join(replies))

    def command(self, line: bytes) -> bytes | None:
        verb = line[:4].upper()
        if verb == b"EHLO":
            return b"250-lean.bench\r\n250-PIPELINING\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n"
        if verb in (b"HELO", b"MAIL", b"RCPT", b"RSET", b"NOOP"):
            return b"250 OK\r\n"
        if verb == b"DATA":
            self.in_data = True
            return b"354 End data with <CR><LF>.<CR><LF>\r\n"
        if verb == b"QUIT":
            self.transport.write(b"221 Bye\r\n")
            self.transport.close()
            return None
        return b"502 Command not implemented\r\n"


class EvolutionStandIn(asyncio.Protocol):
    """One keep-alive HTTP connection to the Evolution API stand-in."""

    def __init__(self, counter: list[int], api_key: str, instance: str):
        self.counter = counter
        self.api_key = api_key.encode()
        self.send_path = f"/message/sendText/{instance}".encode()
        self.state_path = f"/instance/connectionState/{instance}".encode()
        self.buffer = b""
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while True:
            head_end = self.buffer.find(b"\r\n\r\n")
            if head_end < 0:
                return
            head = self.buffer[:head_end].split(b"\r\n")
            headers = {}
            for raw in head[1:]:
                name, _, value = raw.partition(b":")
                headers[name.strip().lower()] = value.strip()
            length = int(headers.get(b"content-length", b"0"))
            if len(self.buffer) < head_end + 4 + length:
                return
            body = self.buffer[head_end + 4:head_end + 4 + length]
            self.buffer = self.buffer[head_end + 4 + length:]
            method, path = head[0].split(b" ")[:2]
            self.respond(*self.answer(method, path, headers.get(b"apikey", b""), body))

    def answer(self, method: bytes, path: bytes, api_key: bytes, body: bytes) -> tuple[int, dict]:
        if api_key != self.api_key:
            return 401, {"status": 401, "error": "Unauthorized", "response": {"message": "Unauthorized"}}
        if method == b"GET" and path == self.state_path:
            return 200, {"instance": {"instanceName": self.state_path.rsplit(b"/", 1)[1].decode(), "state": "open"}}
        if method != b"POST" or path != self.send_path:
            return 404, {"status": 404, "error": "Not Found", "response": {"message": ["Not Found"]}}
        try:
            payload = json.loads(body)
            number, text = str(payload["number"]), str(payload["text"])
        except (ValueError, KeyError, TypeError):
            return 400, {"status": 400, "error": "Bad Request", "response": {"message": ["invalid body"]}}
        self.counter[0] += 1
        return 201, {"key": {"remoteJid": f"{number}@s.whatsapp.net", "fromMe": True,
                             "id": "3EB0" + secrets.token_hex(8).upper()},
                     "pushName": "", "status": "PENDING", "message": {"conversation": text},
                     "messageType": "conversation", "messageTimestamp": int(time.time())}

    def respond(self, status: int, payload: dict) -> None:
        body = json.dumps(payload).encode()
        reason = {200: b"OK", 201: b"Created", 400: b"Bad Request", 401: b"Unauthorized", 404: b"Not Found"}[status]
        self.transport.write(b"HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n"
                             b"Connection: keep-alive\r\n\r\n%s" % (status, reason, len(body), body))


async def serve(kind: str, counter: list[int], host: str = "127.0.0.1", api_key: str = "", instance: str = ""):
    """Start the peer on a free port; returns the asyncio server."""
    loop = asyncio.get_running_loop()
    if kind == "smtp":
        return await loop.create_server(lambda: SmtpSink(counter), host, 0)
    return await loop.create_server(lambda: EvolutionStandIn(counter, api_key, instance), host, 0)
