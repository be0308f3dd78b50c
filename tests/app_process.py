"""A second Avisos process on the test database: the test app served by werkzeug in a subprocess,
for behaviour that must hold across processes (a revocation seen at once by every process)."""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_SERVER = """
import json, sys
from werkzeug.serving import make_server
from app import create_app
app = create_app(json.loads(sys.argv[1]))
server = make_server("127.0.0.1", 0, app, threaded=True)
print(server.server_port, flush=True)
server.serve_forever()
"""


@contextmanager
def app_process(settings: dict, start_timeout: float = 60.0) -> Iterator[str]:
    """Serve create_app(settings) in another process; yields its base URL, stops it afterwards."""
    process = subprocess.Popen([sys.executable, "-c", _SERVER, json.dumps(settings)], cwd=ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                               env={**os.environ, "PYTHONPATH": str(ROOT)}, start_new_session=True)
    try:
        # The port is printed once the server listens ("" when the process died first).
        ready, _, _ = select.select([process.stdout], [], [], start_timeout)
        line = process.stdout.readline() if ready else ""
        if not line.strip().isdigit():
            raise RuntimeError(f"the second app process did not start (exit code {process.poll()})")
        yield f"http://127.0.0.1:{int(line)}"
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
