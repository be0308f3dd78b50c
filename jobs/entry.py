"""The wrapper every RQ entry point in jobs/ wears."""

from __future__ import annotations

from functools import wraps
from typing import Callable

from flask import has_app_context

from app import create_app
from app.db_health import remove_session


def job_entry(func: Callable) -> Callable:
    """Give an RQ job an app context (building the app when run by a bare `rq worker`)
    and a clean database session afterwards."""

    @wraps(func)
    def wrapper(*args, **kwargs):
        if has_app_context():
            try:
                return func(*args, **kwargs)
            finally:
                remove_session()
        with create_app().app_context():
            try:
                return func(*args, **kwargs)
            finally:
                remove_session()

    return wrapper
