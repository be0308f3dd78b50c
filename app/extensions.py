"""Extensions, created unbound here and bound to the app in create_app()."""

import flask_limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    pass


class Limiter(flask_limiter.Limiter):
    """Flask-Limiter whose before_request hook asks the request filters first.

    Flask-Limiter asks them only after resolving the endpoint's limits and sets up its per-request
    context and meta-limit checks even when no limit applies; a filtered request (dispatch, counted
    by app/api/batched_limit.py) is exempt from every limit either way, so this ends the hook at
    once (about 3 % of a web worker's CPU per dispatch)."""

    def _check_request_limit(self, callable_name: str | None = None, in_middleware: bool = True) -> None:
        if in_middleware and self.enabled and any(is_exempt() for is_exempt in self._request_filters):
            return
        super()._check_request_limit(callable_name=callable_name, in_middleware=in_middleware)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
# Per-caller API rate limits; storage from RATELIMIT_STORAGE_URI (Redis, or memory when embedded).
# headers_enabled comes from RATELIMIT_HEADERS_ENABLED (off by default: see app/api/limits.py).
# Redis being down must never refuse an event (accepted means stored, and the outbox waits for
# Redis): the limiter then counts in process memory, and a storage error never fails a request.
limiter = Limiter(key_func=get_remote_address, default_limits=[], swallow_errors=True,
                  in_memory_fallback_enabled=True)
