"""CPU cost of one send through each channel adapter, without the database or RQ.

Starts the lean SMTP and Evolution peers (bench/peer_runner.py, their own processes, so their CPU
is not counted), builds the email and WhatsApp adapters from the app under test (this checkout, or
AVISOS_BENCH_APP's), and sends --sends messages through each on one kept connection, as a delivery
worker's sending thread does. Reports CPU microseconds per send (time.process_time of this process)
and wall time, for --rounds rounds. delivery_rate.py measures the effect on a worker end to end.

    .venv/bin/python bench/channel_send_cpu.py [--sends 2000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common  # noqa: E402
from bench.delivery_rate import Peers  # noqa: E402

BODY = ("Estimado(a) Ana: su vehículo Chevrolet Sail (placa PBA-1234) tiene cita el 12/12/2026 a las "
        "09:00 en Taller Centro. Fase: Agendamiento.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sends", type=int, default=2000, help="messages per channel and round")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    with common.exclusive_run("channel_send_cpu"):
        peers = Peers(lean=True).start()
        try:
            run(args, peers)
        finally:
            peers.stop()


def run(args, peers: Peers) -> None:
    os.environ.update(common.app_env(peers.settings()))
    sys.path.insert(0, str(common.APP_ROOT))
    from app.channels.base import Message
    from app.channels.registry import build_channel
    from app.config import Config

    settings = {key: value for key, value in vars(Config()).items() if key.isupper()}  # as a worker reads them
    adapters = {name: build_channel(name, settings) for name in ("email", "whatsapp")}
    recipients = {"email": "ana@cliente.example", "whatsapp": "0991234567"}
    print(f"app: {common.APP_ROOT}; cpu probe (sum(range(10**6))): {common.cpu_probe_ms()} ms")
    try:
        for round_number in range(1, args.rounds + 1):
            for name, adapter in adapters.items():
                def send(n: int) -> None:
                    result = adapter.send(Message(notification_id=f"bench-{round_number}-{n}", channel=name,
                                                  recipient=recipients[name], subject="Su cita en el taller",
                                                  body=BODY))
                    if result.outcome != "ok":
                        raise SystemExit(f"{name} send failed: {result}")

                for n in range(50):  # warm-up: the kept connection, imports
                    send(n)
                cpu0, wall0 = time.process_time(), time.perf_counter()
                for n in range(args.sends):
                    send(n)
                cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
                print(f"round {round_number} {name:8} {1e6 * cpu / args.sends:6.0f} us CPU/send "
                      f"{1e6 * wall / args.sends:6.0f} us wall/send")
    finally:
        for adapter in adapters.values():
            adapter.close()


if __name__ == "__main__":
    main()
