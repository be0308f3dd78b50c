"""Run one of the test peers (tests/peers/) in its own process for the delivery benchmark.

    .venv/bin/python bench/peer_runner.py smtp|evolution --count-file PATH [--max-seconds 900]

Prints one JSON line with its address on stdout (smtp: host, port; evolution: url, api_key,
instance), then writes the number of messages it accepted to --count-file every 0.2 s (atomically:
temp file + rename) until SIGTERM/SIGINT or --max-seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import lean_peers  # noqa: E402
from tests.peers.evolution import SEND_PREFIX, EvolutionPeer  # noqa: E402
from tests.peers.smtp import SmtpPeer  # noqa: E402

INTERVAL = 0.2


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("kind", choices=["smtp", "evolution"])
    parser.add_argument("--count-file", required=True, type=Path)
    parser.add_argument("--max-seconds", type=float, default=900.0)
    parser.add_argument("--lean", action="store_true", help="the lean asyncio peers (bench/lean_peers.py)")
    return parser.parse_args()


class LeanPeer:
    """A lean_peers server on its own event loop thread."""

    def __init__(self, kind: str):
        self.kind, self.counter = kind, [0]
        self.loop = asyncio.new_event_loop()
        self.api_key, self.instance = "bench-evolution-key", "avisos-bench"
        ready = threading.Event()

        def run() -> None:
            asyncio.set_event_loop(self.loop)
            self.server = self.loop.run_until_complete(
                lean_peers.serve(kind, self.counter, api_key=self.api_key, instance=self.instance))
            ready.set()
            self.loop.run_forever()

        threading.Thread(target=run, daemon=True).start()
        ready.wait(10)
        self.port = self.server.sockets[0].getsockname()[1]

    def address(self) -> dict:
        if self.kind == "smtp":
            return {"host": "127.0.0.1", "port": self.port}
        return {"url": f"http://127.0.0.1:{self.port}", "api_key": self.api_key, "instance": self.instance}

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)


def start_peer(kind: str, lean: bool = False):
    """Start the peer; return (peer, counter function, address dict)."""
    if lean:
        peer = LeanPeer(kind)
        return peer, lambda: peer.counter[0], peer.address()
    if kind == "smtp":
        peer = SmtpPeer().start()
        handler = peer._handler  # count without copying the list of parsed messages every tick
        return peer, lambda: len(handler.messages), {"host": peer.host, "port": peer.port}
    peer = EvolutionPeer(api_key="bench-evolution-key", instance="avisos-bench").start()
    return peer, lambda: _evolution_sent(peer), {"url": peer.url, "api_key": peer.api_key,
                                                 "instance": peer.instance}


def _evolution_sent(peer: EvolutionPeer) -> int:
    """sendText calls answered 201 (what EvolutionPeer.sent lists), counted under the peer's lock."""
    with peer.lock:
        return sum(1 for r in peer._received if r.status == 201 and r.path.startswith(SEND_PREFIX))


def write_count(path: Path, count: int) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(str(count))
    os.replace(tmp, path)


def main() -> None:
    args = parse_args()
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    peer, count, address = start_peer(args.kind, args.lean)
    try:
        write_count(args.count_file, 0)
        print(json.dumps({"kind": args.kind, **address}), flush=True)
        deadline = time.monotonic() + args.max_seconds
        while not stop.is_set() and time.monotonic() < deadline:
            write_count(args.count_file, count())
            stop.wait(INTERVAL)
        write_count(args.count_file, count())
    finally:
        peer.stop()


if __name__ == "__main__":
    main()
