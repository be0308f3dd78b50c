"""Settings read from the environment (12-factor), with embedded defaults.

Names follow the reference service where they apply. Every variable is listed with its default and
meaning in README.md ("Environment") and in .env.example (tests/test_configuration.py checks both).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from app.channels.settings import CHANNEL_SETTINGS

ROOT = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def env_float(name: str, default: float) -> float:
    value = os.environ.get(name)
    return float(value) if value not in (None, "") else default


# Threads of a web process that may hold a pooled connection besides the request threads and the
# dispatch writers: a snapshot reload, a delivery wake's repair, a worker's watch.
POOL_SPARE_CONNECTIONS = 2


def default_pool_size() -> int:
    """The pool a process keeps open: one connection per gunicorn request thread (WEB_THREADS), one per
    dispatch writer thread (each keeps its own) and a few spare. A smaller pool makes every request
    beyond it open a connection and close it again (an overflow connection is not kept): a new
    PostgreSQL session, about 1-2 ms of server CPU, per request. The pool opens connections only as
    threads need them, so processes with fewer threads (RQ workers) do not hold more."""
    return env_int("WEB_THREADS", 16) + env_int("DISPATCH_WRITER_THREADS", 1) + POOL_SPARE_CONNECTIONS


def env_list_int(name: str, default: list[int]) -> list[int]:
    value = os.environ.get(name)
    if not value:
        return default
    return [int(part) for part in value.split(",") if part.strip()]


def _words(name: str, default: str) -> list[str]:
    return [w.strip() for w in (os.environ.get(name) or default).split(",") if w.strip()]


def env_typed(name: str, default: Any) -> Any:
    """A variable read with the type of its default (bool, int, float or text)."""
    if isinstance(default, bool):
        return env_bool(name, default)
    if isinstance(default, int):
        return env_int(name, default)
    if isinstance(default, float):
        return env_float(name, default)
    return os.environ.get(name, default)


def normalise_database_url(url: str) -> str:
    """Accept the reference's `postgresql://` form and route it through psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def default_database_url() -> str:
    return f"sqlite:///{ROOT / 'instance' / 'avisos.db'}"


class Config:
    """Production and embedded settings; every value can come from the environment."""

    def __init__(self) -> None:
        self.ENV_NAME = os.environ.get("AVISOS_ENV", "production")
        self.SECRET_KEY = os.environ.get("SECRET_KEY") or ""
        self.SQLALCHEMY_DATABASE_URI = normalise_database_url(
            os.environ.get("DATABASE_URL") or default_database_url()
        )
        self.SQLALCHEMY_ENGINE_OPTIONS = self._engine_options()
        self.REDIS_URL = os.environ.get("REDIS_URL") or None
        # inline: run jobs synchronously after commit (tests); thread: a background thread
        # in the web process (embedded default); rq: Redis queues (production).
        self.JOBS_MODE = os.environ.get("JOBS_MODE") or ("rq" if self.REDIS_URL else "thread")
        self.INTERNAL_API_SECRET_KEY = os.environ.get("INTERNAL_API_SECRET_KEY") or ""
        # Encrypts pull-sync connection URLs (empty: a key derived from SECRET_KEY).
        self.SYNC_ENCRYPTION_KEY = os.environ.get("SYNC_ENCRYPTION_KEY") or ""
        # Pull-sync sources (app/sync/pull_guard.py): hosts (names, IPs or CIDRs) allowed even
        # when private or loopback, and the only folder SQLite sources may be read from.
        self.SYNC_ALLOWED_HOSTS = [h.strip() for h in os.environ.get("SYNC_ALLOWED_HOSTS", "").split(",") if h.strip()]
        self.SYNC_SQLITE_FOLDER = os.environ.get("SYNC_SQLITE_FOLDER", str(ROOT / "instance" / "sync-sources"))

        # The channels' own settings (EMAIL_*, EVOLUTION_*, WHATSAPP_*, VAPID_*, PUSH_*), with the
        # defaults of app/channels/settings.py.
        for name, default in CHANNEL_SETTINGS.items():
            setattr(self, name, env_typed(name, default))
        self.EVOLUTION_API_URL = self.EVOLUTION_API_URL.rstrip("/")
        # Secret Evolution must present (URL ?secret= or X-Webhook-Secret) on delivery receipts.
        self.EVOLUTION_WEBHOOK_SECRET = os.environ.get("EVOLUTION_WEBHOOK_SECRET", "")
        # Inbound WhatsApp (app/inbox): words that switch a customer's WhatsApp off / back on
        # (compared without case, accents or surrounding punctuation).
        self.INBOX_OPT_OUT_WORDS = _words("INBOX_OPT_OUT_WORDS", "BAJA,STOP,CANCELAR,NO MAS")
        self.INBOX_OPT_IN_WORDS = _words("INBOX_OPT_IN_WORDS", "ALTA")
        # Template versions kept per template beyond those a notification references (app/catalog/versions.py).
        self.TEMPLATE_VERSIONS_KEEP = env_int("TEMPLATE_VERSIONS_KEEP", 50)

        # Outbound webhooks (docs/INTEGRATIONS.md). Hosts (names, IPs or CIDRs) allowed even when
        # they resolve to private, loopback or link-local addresses.
        self.WEBHOOK_ALLOWED_HOSTS = [h.strip() for h in os.environ.get("WEBHOOK_ALLOWED_HOSTS", "").split(",") if h.strip()]
        self.WEBHOOK_TIMEOUT_SECONDS = env_float("WEBHOOK_TIMEOUT_SECONDS", 15.0)
        # Delay before each attempt: immediately, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h.
        self.WEBHOOK_RETRY_SCHEDULE = env_list_int("WEBHOOK_RETRY_SCHEDULE", [0, 5, 300, 1800, 7200, 18000, 36000, 36000])
        self.WEBHOOK_DISABLE_AFTER_SECONDS = env_int("WEBHOOK_DISABLE_AFTER_SECONDS", 5 * 86400)
        self.WEBHOOK_SECRET_GRACE_SECONDS = env_int("WEBHOOK_SECRET_GRACE_SECONDS", 24 * 3600)
        # Audit log (docs/CONSOLE.md, "Auditoría"): entries older than this many days are pruned
        # by a daily job; 0 keeps them forever.
        self.AUDIT_RETENTION_DAYS = env_int("AUDIT_RETENTION_DAYS", 365)
        # Live console: how long one Server-Sent Events connection lasts before the browser reconnects.
        self.LIVE_STREAM_SECONDS = env_int("LIVE_STREAM_SECONDS", 300)
        # How often a web process asks Redis whether any console listens to the live feed (0: every event).
        self.LIVE_LISTENER_CHECK_SECONDS = env_float("LIVE_LISTENER_CHECK_SECONDS", 1.0)

        # Push endpoint hosts, IPs or CIDRs allowed over http or on private addresses (a push
        # service inside your network; tests). Browsers' own endpoints are public https URLs.
        self.PUSH_ALLOWED_HOSTS = [h.strip() for h in os.environ.get("PUSH_ALLOWED_HOSTS", "").split(",") if h.strip()]

        self.FRONTEND_URL = (os.environ.get("FRONTEND_URL") or "http://localhost:3000").rstrip("/")
        self.PUBLIC_URL = (os.environ.get("PUBLIC_URL") or "http://127.0.0.1:5000").rstrip("/")
        self.TIMEZONE = os.environ.get("TIMEZONE", "America/Guayaquil")
        self.DEFAULT_WORKSHOP_NAME = os.environ.get("DEFAULT_WORKSHOP_NAME", "Nuestro taller")
        # Console cookies: HttpOnly, SameSite=Lax; Secure when forced here, else per request over HTTPS
        # (app/console/cookies.py). The remember-me cookie follows PUBLIC_URL's scheme.
        self.SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", False)
        self.SESSION_COOKIE_SAMESITE = "Lax"
        self.REMEMBER_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", self.PUBLIC_URL.startswith("https://"))
        self.REMEMBER_COOKIE_HTTPONLY = True
        self.REMEMBER_COOKIE_SAMESITE = "Lax"
        self.REMEMBER_COOKIE_DURATION = env_int("REMEMBER_COOKIE_DAYS", 14) * 86400
        # Console sign-in (app/console/auth.py): attempts per client address (Flask-Limiter syntax),
        # failures of one account before each further attempt waits 1, 2, 4 ... seconds, the longest wait.
        self.LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "10/minute;100/hour")
        self.LOGIN_FAILURES_BEFORE_DELAY = env_int("LOGIN_FAILURES_BEFORE_DELAY", 5)
        self.LOGIN_DELAY_MAX_SECONDS = env_int("LOGIN_DELAY_MAX_SECONDS", 900)
        # Reverse proxies in front of Avisos that set X-Forwarded-For/-Proto (0: none, trust no header).
        # Sign-in throttling and anonymous compat callers count per client address, which behind a
        # proxy is only known this way.
        self.TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
        # rq-dashboard at /admin/rq reads this (empty: REDIS_URL).
        self.RQ_DASHBOARD_REDIS_URL = os.environ.get("RQ_DASHBOARD_REDIS_URL") or self.REDIS_URL

        self.RETRY_BACKOFF_SECONDS = env_list_int("RETRY_BACKOFF_SECONDS", [30, 120, 600])
        self.CUSTOMER_WAIT_SECONDS = env_int("CUSTOMER_WAIT_SECONDS", 600)
        self.SENDING_TIMEOUT_SECONDS = env_int("SENDING_TIMEOUT_SECONDS", 300)
        self.QUEUED_STALE_SECONDS = env_int("QUEUED_STALE_SECONDS", 120)
        # Delivery policy (docs/ORCHESTRATION.md): how far ahead a dispatch's send_at may be; the
        # per-customer cap per channel ("channel=messages/minutes", empty: none) where a workshop
        # sets none; the default backlog spread when a send window opens (messages per minute).
        self.MAX_SCHEDULE_DAYS = env_int("MAX_SCHEDULE_DAYS", 90)
        self.CUSTOMER_CAPS = os.environ.get("CUSTOMER_CAPS", "whatsapp=5/60,email=10/60,push=10/60")
        self.BACKLOG_RATE_PER_MINUTE = os.environ.get("BACKLOG_RATE_PER_MINUTE", "whatsapp=60,email=120,push=300")
        self.DELIVERY_BATCH_SIZE = env_int("DELIVERY_BATCH_SIZE", 50)
        self.DELIVERY_LANES = env_int("DELIVERY_LANES", 2)
        self.DELIVERY_JOB_BUDGET_SECONDS = env_float("DELIVERY_JOB_BUDGET_SECONDS", 60.0)
        # rq mode: a process checks the delivery lanes at most this often, always after the latest
        # request (jobs/coalescer.py); 0 checks in the caller's thread on every request.
        self.DELIVERY_WAKE_INTERVAL_SECONDS = env_float("DELIVERY_WAKE_INTERVAL_SECONDS", 0.05)
        # Sends in flight per delivery job (each thread keeps its own SMTP connection / HTTP session).
        self.DELIVERY_SEND_CONCURRENCY = env_int("DELIVERY_SEND_CONCURRENCY", 8)
        # Outcomes committed together. A new send starts only when an outcome is taken, so a crash
        # re-sends at most DELIVERY_RECORD_GROUP + DELIVERY_SEND_CONCURRENCY - 1 messages (17).
        self.DELIVERY_RECORD_GROUP = env_int("DELIVERY_RECORD_GROUP", 10)
        # Workers, the scheduler and the embedded server check this often for rows claimed by a
        # process that died (given back after two checks) and for due rows no job is on (app/delivery/watch.py).
        self.WATCH_INTERVAL_SECONDS = env_float("WATCH_INTERVAL_SECONDS", 5.0)
        self.REMINDER_HOUR = env_int("REMINDER_HOUR", 8)
        # Closed days of the analytics rollup recomputed by the hourly job (late receipts, retries).
        self.ANALYTICS_ROLLUP_REFRESH_DAYS = env_int("ANALYTICS_ROLLUP_REFRESH_DAYS", 3)
        self.SNAPSHOT_TTL_SECONDS = env_float("SNAPSHOT_TTL_SECONDS", 5.0)
        # A snapshot is rebuilt at least this often even when its fingerprint query sees no change.
        self.SNAPSHOT_MAX_AGE_SECONDS = env_float("SNAPSHOT_MAX_AGE_SECONDS", 300.0)
        # Group commit of API dispatches (app/dispatch/writer.py): auto = on for PostgreSQL.
        self.DISPATCH_GROUP_COMMIT = os.environ.get("DISPATCH_GROUP_COMMIT", "auto")
        self.DISPATCH_GROUP_MAX = env_int("DISPATCH_GROUP_MAX", 64)
        self.DISPATCH_WRITER_THREADS = env_int("DISPATCH_WRITER_THREADS", 1)
        self.DISPATCH_WRITE_TIMEOUT_SECONDS = env_float("DISPATCH_WRITE_TIMEOUT_SECONDS", 30.0)
        self.LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
        # JSON API (docs/API.md): auth mode, core JWTs, CORS, rate limits, body size.
        self.AUTH_MODE = (os.environ.get("AUTH_MODE") or "apikey").strip().lower()
        self.CORE_JWT_SECRET = os.environ.get("CORE_JWT_SECRET", "")
        self.CORS_ORIGINS = [o.strip() for o in os.environ.get("CORS_ORIGINS", "").split(",") if o.strip()]
        self.RATE_LIMIT_DEFAULT = os.environ.get("RATE_LIMIT_DEFAULT", "1000/hour")
        self.RATE_LIMIT_DISPATCH = os.environ.get("RATE_LIMIT_DISPATCH", "20000/hour")
        # Anonymous compat browsers, per client address (a workshop's technicians share one).
        self.RATE_LIMIT_COMPAT_DISPATCH = os.environ.get("RATE_LIMIT_COMPAT_DISPATCH", "60/minute;600/hour")
        self.RATELIMIT_ENABLED = env_bool("RATELIMIT_ENABLED", True)
        self.RATELIMIT_HEADERS_ENABLED = env_bool("RATELIMIT_HEADERS_ENABLED", False)
        # Empty: REDIS_URL when set, else in-process memory (embedded mode).
        self.RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "")
        self.MAX_CONTENT_LENGTH = env_int("MAX_CONTENT_LENGTH", 1024 * 1024)

    def _engine_options(self) -> dict:
        if self.SQLALCHEMY_DATABASE_URI.startswith("sqlite"):
            return {"connect_args": {"timeout": 30}}
        return {
            # A ping on every checkout is one more round trip per request. Without it a connection
            # the server closed while idle is still noticed at checkout, by a poll() of its socket
            # (app/db_health.py); one that dies mid-statement fails that request with a 503.
            "pool_pre_ping": env_bool("DB_POOL_PRE_PING", False),
            "pool_size": env_int("DB_POOL_SIZE", default_pool_size()),
            "max_overflow": env_int("DB_MAX_OVERFLOW", 10),
            "pool_timeout": env_float("DB_POOL_TIMEOUT", 30.0),
            "pool_recycle": 600,
        }

    def finalise(self) -> None:
        """Fail fast on missing secrets in production; generate throwaway ones elsewhere."""
        if self.ENV_NAME == "production" and not self.SECRET_KEY and self.JOBS_MODE == "rq":
            raise RuntimeError("SECRET_KEY must be set in production (REDIS_URL is set)")
        if not self.SECRET_KEY:
            self.SECRET_KEY = _embedded_secret("secret_key")
        if not self.INTERNAL_API_SECRET_KEY:
            self.INTERNAL_API_SECRET_KEY = _embedded_secret("internal_api_secret")


def _embedded_secret(name: str) -> str:
    """A per-installation secret kept in instance/ so the embedded mode survives restarts."""
    path = ROOT / "instance" / name
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(32)
    path.write_text(value)
    path.chmod(0o600)
    return value
