"""Extensions, created unbound here and bound to the app in create_app()."""

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    pass


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
