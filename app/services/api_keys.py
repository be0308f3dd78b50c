"""API keys as the database says they are now, read wherever a revocation must take effect at once
(docs/SECURITY.md):

- per request, for every API call but stored dispatches (`live_key`, app/api/auth.py): one SELECT
  on a pooled connection given back at once;
- once per batch, on the dispatch writer's own connection, for dispatches it stores
  (`refuse_revoked`, app/services/dispatch.py): a revoked key's event is refused with 401 before
  anything of it is written, and the request threads that send dispatches read nothing themselves
  (measured: the per-request read cost ~12 % of dispatch throughput on two cores).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from typing import Any

import psycopg
from sqlalchemy import ARRAY, Uuid, any_, bindparam, select

from app.errors import ApiError
from app.extensions import db
from app.models import ApiKey
from app.services import pg_direct

INVALID_KEY = "The API key is invalid, revoked or expired."

_KEY_ROW = (select(ApiKey.id, ApiKey.name, ApiKey.scopes, ApiKey.expires_at)
            .where(ApiKey.key_hash == bindparam("key_hash"), ApiKey.revoked_at.is_(None)))


def live_key(key_hash: str) -> Any:
    """(id, name, scopes, expires_at) of the key with this hash unless it is revoked; None otherwise.
    A request thread holds no pooled connection while it waits for others (ARCHITECTURE, invariant
    8): this read takes one and gives it back before returning."""
    return pg_direct.fetch_one_pooled(_KEY_ROW, {"key_hash": key_hash})


@lru_cache(maxsize=2)
def _live_among(postgresql: bool):
    if postgresql:
        return select(ApiKey.id).where(ApiKey.id == any_(bindparam("ids", type_=ARRAY(Uuid))),
                                       ApiKey.revoked_at.is_(None))
    return select(ApiKey.id).where(ApiKey.id.in_(bindparam("ids", expanding=True)), ApiKey.revoked_at.is_(None))


def refuse_revoked(key_ids: Iterable[Any], connection: psycopg.Connection | None = None) -> None:
    """401 invalid_api_key when any of these keys (None: not a key's event) is revoked or gone. One
    SELECT on `connection` (a dispatch writer's) or in the session's transaction."""
    wanted = list({key_id for key_id in key_ids if key_id is not None})
    if not wanted:
        return
    if pg_direct.active():
        live = {row.id for row in pg_direct.fetch_all(_live_among(True), {"ids": wanted}, connection)}
    else:
        live = set(db.session.scalars(_live_among(False), {"ids": wanted}))
    if len(live) < len(wanted):
        raise ApiError(401, "invalid_api_key", INVALID_KEY)
