"""Who may call the API: API keys as the database says they are now, so a revocation takes effect at
once in every process (docs/SECURITY.md): read per request, or refused by the INSERT of a batch.

- live_key: the key a request presents, unless revoked (one SELECT on a pooled connection)
- refuse_revoked / revoked_keys_refused: a dispatch batch whose key was revoked meanwhile gets 401
"""

from app.access.api_keys import INVALID_KEY, REVOKED_SQLSTATE, live_key, refuse_revoked, revoked_keys_refused

__all__ = ["INVALID_KEY", "REVOKED_SQLSTATE", "live_key", "refuse_revoked", "revoked_keys_refused"]
