"""gunicorn.conf.py: what it hands the app, and what it changes in gunicorn."""

from __future__ import annotations

import email.utils
import os
import runpy
import time
from pathlib import Path

from gunicorn import util

CONF = Path(__file__).resolve().parents[1] / "gunicorn.conf.py"


def test_the_gunicorn_config_hands_its_thread_count_to_the_app(monkeypatch):
    monkeypatch.setenv("WEB_THREADS", "12")
    monkeypatch.setattr(util, "http_date", util.http_date)  # the file wraps it; put it back afterwards
    settings = runpy.run_path(str(CONF))
    assert settings["threads"] == 12 and os.environ["WEB_THREADS"] == "12"


def test_the_date_header_gunicorn_sends_is_the_current_second_in_http_format(monkeypatch):
    monkeypatch.setenv("WEB_THREADS", "16")  # the file sets it; put it back afterwards
    monkeypatch.setattr(util, "http_date", util.http_date)
    runpy.run_path(str(CONF))
    before = int(time.time())
    sent = util.http_date()
    after = int(time.time())
    assert sent in {email.utils.formatdate(t, usegmt=True) for t in range(before, after + 1)}
    assert util.http_date(0) == "Thu, 01 Jan 1970 00:00:00 GMT"


def _default_workers_on(cores: int, monkeypatch) -> int:
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    monkeypatch.setenv("WEB_THREADS", "16")
    monkeypatch.setattr(util, "http_date", util.http_date)
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: set(range(cores)))
    return runpy.run_path(str(CONF))["workers"]


def test_gunicorn_runs_one_worker_per_core_plus_one(monkeypatch):
    assert _default_workers_on(2, monkeypatch) == 3


def test_gunicorn_runs_at_most_four_workers_by_default(monkeypatch):
    assert _default_workers_on(16, monkeypatch) == 4


def test_web_concurrency_sets_the_number_of_gunicorn_workers(monkeypatch):
    monkeypatch.setenv("WEB_CONCURRENCY", "6")
    monkeypatch.setenv("WEB_THREADS", "16")
    monkeypatch.setattr(util, "http_date", util.http_date)
    assert runpy.run_path(str(CONF))["workers"] == 6
