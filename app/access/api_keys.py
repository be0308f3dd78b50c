"""API keys as the database says they are now, read wherever a revocation must take effect at once
(docs/SECURITY.md):

- per request, for every API call but dispatches stored by the dispatch writer (`live_key`,
  app/api/auth.py): one SELECT on a pooled connection given back at once;
- for the dispatch writer's batches (whose request threads may take the key from memory), by the
  INSERT itself: on PostgreSQL a statement trigger on dispatch_events (migration d4sec0000012)
  fails the INSERT with SQLSTATE AV401 when a row names a revoked key, so nothing is stored and no
  round trip is added (`revoked_keys_refused` turns that into 401); elsewhere one SELECT per batch
  first (`refuse_revoked`). Measured on two cores: a per-request read cost dispatch ~12 % of its
  throughput, a separate SELECT per writer batch ~20 % (each round trip of a thread that must take
  the GIL back from 16 busy request threads costs far more than the query).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.exc import DBAPIError

from app import pg_direct
from app.errors import ApiError
from app.extensions import db
from app.models import ApiKey

INVALID_KEY = "The API key is invalid, revoked or expired."
REVOKED_SQLSTATE = "AV401"  # raised by the dispatch_events trigger (PostgreSQL)

_KEY_ROW = (select(ApiKey.id, ApiKey.name, ApiKey.scopes, ApiKey.expires_at)
            .where(ApiKey.key_hash == bindparam("key_hash"), ApiKey.revoked_at.is_(None)))


def live_key(key_hash: str) -> Any:
    """(id, name, scopes, expires_at) of the key with this hash unless it is revoked; None otherwise.
    A request thread holds no pooled connection while it waits for others (ARCHITECTURE, invariant
    8): this read takes one and gives it back before returning."""
    return pg_direct.fetch_one_pooled(_KEY_ROW, {"key_hash": key_hash})


@lru_cache(maxsize=2)
def _live_among(postgresql: bool):
    return select(ApiKey.id).where(pg_direct.among(ApiKey.id, "ids", postgresql), ApiKey.revoked_at.is_(None))


def refuse_revoked(key_ids: Iterable[Any]) -> None:
    """401 invalid_api_key when any of these keys (None: not a key's event) is revoked or gone. One
    SELECT in the session's transaction."""
    wanted = list({key_id for key_id in key_ids if key_id is not None})
    if not wanted:
        return
    if pg_direct.active():
        live = {row.id for row in pg_direct.fetch_all(_live_among(True), {"ids": wanted})}
    else:
        live = set(db.session.scalars(_live_among(False), {"ids": wanted}))
    if len(live) < len(wanted):
        raise ApiError(401, "invalid_api_key", INVALID_KEY)


@contextmanager
def revoked_keys_refused() -> Iterator[None]:
    """Around an INSERT into dispatch_events: the trigger's refusal of a revoked key becomes 401."""
    try:
        yield
    except DBAPIError as err:
        if getattr(err.orig, "sqlstate", None) == REVOKED_SQLSTATE:
            raise ApiError(401, "invalid_api_key", INVALID_KEY) from None
        raise
