"""Real local peers for tests: SMTP (smtp.py), Evolution API (evolution.py), a push service
(push_service.py), and their pytest fixtures (fixtures.py).

This module holds the plumbing the two HTTP peers share: a threaded loopback server with start/stop.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class PeerServer(ThreadingHTTPServer):
    """ThreadingHTTPServer that carries a back-reference to its peer object."""

    daemon_threads = True
    # Handlers sleeping on a scripted delay must not hold up stop().
    block_on_close = False

    def __init__(self, peer: Any, handler: type[BaseHTTPRequestHandler]) -> None:
        super().__init__(("127.0.0.1", 0), handler)
        self.peer = peer

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that vanished mid-request (a killed worker) is not the peer's error."""
        import sys

        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class PeerHandler(BaseHTTPRequestHandler):
    """Base handler: quiet logs, JSON helpers, tolerant of clients that hung up."""

    server: PeerServer
    # Keep-alive, as real gateways and push services do (every reply carries Content-Length).
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass

    def read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def reply(self, status: int, body: Any = None, headers: dict[str, str] | None = None) -> None:
        data = b"" if body is None else body if isinstance(body, bytes) else json.dumps(body).encode()
        try:
            self.send_response(status)
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            if body is not None and not isinstance(body, bytes):
                self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            # The client gave up (a timeout test): nothing left to answer.
            pass


class HttpPeer:
    """Start/stop a PeerServer in a background thread."""

    handler_class: type[BaseHTTPRequestHandler] = PeerHandler

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self._server = PeerServer(self, self.handler_class)
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        """The origin, e.g. http://127.0.0.1:54321 (no trailing slash)."""
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> HttpPeer:
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
