"""gunicorn.conf.py: what it hands the app, and what it changes in gunicorn."""

from __future__ import annotations


def test_the_gunicorn_config_hands_its_thread_count_to_the_app(monkeypatch):
    import runpy
    from pathlib import Path

    monkeypatch.setenv("WEB_THREADS", "12")
    settings = runpy.run_path(str(Path(__file__).resolve().parents[1] / "gunicorn.conf.py"))
    import os

    assert settings["threads"] == 12 and os.environ["WEB_THREADS"] == "12"


def test_the_date_header_gunicorn_sends_is_the_current_second_in_http_format():
    import email.utils
    import runpy
    import time
    from pathlib import Path

    from gunicorn import util

    original = util.http_date
    try:
        runpy.run_path(str(Path(__file__).resolve().parents[1] / "gunicorn.conf.py"))
        before = int(time.time())
        sent = util.http_date()
        after = int(time.time())
        assert sent in {email.utils.formatdate(t, usegmt=True) for t in range(before, after + 1)}
        assert util.http_date(0) == "Thu, 01 Jan 1970 00:00:00 GMT"
    finally:
        util.http_date = original
