"""A forwarding HTTP proxy on loopback (plain http targets): it records each request line it was
asked to forward ("POST http://127.0.0.1:5xxxx/message/sendText/x") and relays the request and the
answer. What a client reads from HTTP_PROXY goes through it."""

from __future__ import annotations

import http.client
from urllib.parse import urlsplit

from tests.peers import HttpPeer, PeerHandler

_HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "proxy-authorization", "te", "trailer",
               "transfer-encoding", "upgrade"}


class _ProxyHandler(PeerHandler):
    def do_GET(self) -> None:  # noqa: N802
        self.server.peer.forward(self)

    def do_POST(self) -> None:  # noqa: N802
        self.server.peer.forward(self)


class ForwardProxy(HttpPeer):
    handler_class = _ProxyHandler

    def __init__(self) -> None:
        super().__init__()
        self.request_lines: list[str] = []

    def forward(self, handler: PeerHandler) -> None:
        with self.lock:
            self.request_lines.append(f"{handler.command} {handler.path}")
        target = urlsplit(handler.path)
        if target.scheme != "http" or not target.hostname:
            handler.reply(400, {"error": "absolute http URL expected"})
            return
        body = handler.read_body()
        headers = {k: v for k, v in handler.headers.items() if k.lower() not in _HOP_BY_HOP}
        upstream = http.client.HTTPConnection(target.hostname, target.port or 80, timeout=10)
        try:
            path = target.path + (f"?{target.query}" if target.query else "")
            upstream.request(handler.command, path, body=body or None, headers=headers)
            answer = upstream.getresponse()
            data = answer.read()
            relayed = {k: v for k, v in answer.getheaders() if k.lower() not in _HOP_BY_HOP | {"content-length"}}
        finally:
            upstream.close()
        handler.reply(answer.status, data, relayed)
