"""wsgi.py: the app every Procfile process serves or runs commands with."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow  # a subprocess importing the whole app
def test_wsgi_builds_the_app_with_the_collector_back_on_and_its_objects_frozen(tmp_path):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'wsgi.db'}"}
    env.pop("REDIS_URL", None)
    check = ("import gc, wsgi; "
             "assert gc.isenabled(), 'collector left off'; "
             "assert gc.get_freeze_count() > 100_000, gc.get_freeze_count(); "
             "assert wsgi.app.name == 'app'")
    done = subprocess.run([sys.executable, "-c", check], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
