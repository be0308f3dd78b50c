"""Plays the Ambacar PWA (shared/reference/client-contract-pwa.md): the operator configuration of its
§1.2, its credentials (none, the core's JWT, the internal secret), and each browser call made the
way a browser makes it: a CORS preflight first, then the call with Origin, Content-Type on GETs too,
and the JWT where the PWA sends one. Shared by the contract tests and the end-to-end flow."""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from typing import Any

import jwt

ORIGIN = "https://ambacar-service-pwa.vercel.app"
PREVIEW_ORIGIN = "https://ambacar-service-git-feature-diego-toscanos-projects.vercel.app"
CORS_ORIGINS = [ORIGIN, r"^https://ambacar-service-[a-z0-9-]+-diego-toscanos-projects\.vercel\.app$",
                "http://localhost:3000"]
CORE_JWT_SECRET = "django-insecure-core-signing-key-for-tests-0123456789"
V = "/api/v1/notifications"
CUSTOMER_ID = "4711"

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def pwa_settings(vapid_keys, internal_secret: str, **overrides: Any) -> dict[str, Any]:
    """The Avisos settings of contract §1.2."""
    return {
        "AUTH_MODE": "compat", "CORS_ORIGINS": CORS_ORIGINS, "CORE_JWT_SECRET": CORE_JWT_SECRET,
        "INTERNAL_API_SECRET_KEY": internal_secret,
        **vapid_keys.settings(PUSH_ICON_URL="/icon-192.png", PUSH_BADGE_URL="/icon-192.png",
                              FRONTEND_URL="https://ambacar-service-pwa.vercel.app/dashboard/notificaciones"),
        **overrides,
    }


def core_token(user_id: int = int(CUSTOMER_ID), secret: str = CORE_JWT_SECRET, ttl: int = 300) -> str:
    """An access token as the core's SimpleJWT issues it."""
    now = int(time.time())
    return jwt.encode({"token_type": "access", "user_id": user_id, "exp": now + ttl, "iat": now,
                       "jti": "0f1e2d3c4b5a69788796a5b4c3d2e1f0"}, secret, algorithm="HS256")


@dataclass
class Pwa:
    """A browser running the PWA at ORIGIN, and its Next.js server routes."""

    client: Any
    internal_secret: str
    origin: str = ORIGIN
    token: str | None = None

    def call(self, method: str, path: str, body: Any = None, *, jwt_token: bool = False,
             content_type: bool = True, token: str | None = None):
        """A browser call: the preflight (checked), then the call (CORS headers checked)."""
        requested = [h for h, on in (("content-type", content_type), ("authorization", jwt_token)) if on]
        self.preflight(method, path, requested)
        headers = {"Origin": self.origin}
        if content_type:
            headers["Content-Type"] = "application/json"
        if jwt_token:
            headers["Authorization"] = f"Bearer {token or self.token or core_token()}"
        data = json.dumps(body) if body is not None else None
        res = self.client.open(path, method=method, data=data, headers=headers)
        assert res.headers.get("Access-Control-Allow-Origin") == self.origin, (method, path, res.status_code)
        assert res.status_code == 204 or res.is_json, (method, path, res.status_code, res.get_data(as_text=True)[:200])
        return res

    def preflight(self, method: str, path: str, requested: list[str]) -> None:
        headers = {"Origin": self.origin, "Access-Control-Request-Method": method}
        if requested:
            headers["Access-Control-Request-Headers"] = ",".join(requested)
        res = self.client.options(path, headers=headers)
        assert res.status_code in (200, 204), (path, res.status_code)
        assert res.headers.get("Access-Control-Allow-Origin") == self.origin, path
        assert method in res.headers.get("Access-Control-Allow-Methods", ""), path
        allowed = res.headers.get("Access-Control-Allow-Headers", "").lower()
        assert all(h in allowed for h in requested), (path, allowed)

    def server_post(self, path: str, body: Any):
        """A Next.js route handler: no Origin, no preflight, the internal secret."""
        return self.client.post(path, data=json.dumps(body), headers={
            "Content-Type": "application/json", "x-internal-secret": self.internal_secret})

    # The PWA's calls that several tests need ----------------------------------------------------
    def sync_customer(self, customer_id: str = CUSTOMER_ID, **fields: Any):
        body = {"customer_id": customer_id, "first_name": "Carlos", "last_name": "Mendoza",
                "email": "carlos@example.com", "phone": "0991234567", "whatsapp": "0991234567", "sync_version": 1}
        return self.server_post("/api/internal/v1/customers/sync/", {**body, **fields})

    def sync_vehicle(self, customer_id: str = CUSTOMER_ID, **fields: Any):
        body = {"vehicle_id": "321", "customer_id": customer_id, "plate": "PBX1234", "brand": "Haval",
                "model": "H6", "year": 2024, "current_kilometers": 15000, "last_service_date": None,
                "next_service_kilometers": None, "sync_version": 1}
        return self.server_post("/api/internal/v1/vehicles/sync/", {**body, **fields})

    def dispatch(self, body: dict, **kw):
        return self.call("POST", f"{V}/events/dispatch/", body, **kw)


# Type checks for the fields the PWA reads --------------------------------------------------------
def is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def is_uuid(value: Any) -> bool:
    return isinstance(value, str) and bool(UUID.match(value))


def is_date(value: Any) -> bool:
    return isinstance(value, str) and bool(DATE.match(value))


def is_datetime(value: Any) -> bool:
    if not isinstance(value, str) or "T" not in value:
        return False
    from datetime import datetime

    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed.tzinfo is not None


def nullable(check):
    def inner(value: Any) -> bool:
        return value is None or check(value)

    return inner


def is_str(value: Any) -> bool:
    return isinstance(value, str)


def is_bool(value: Any) -> bool:
    return isinstance(value, bool)


def is_page(body: Any) -> bool:
    return (isinstance(body, dict) and is_int(body.get("count")) and "next" in body and "previous" in body
            and isinstance(body.get("results"), list))


def check_fields(obj: dict, spec: dict[str, Any], what: str = "") -> None:
    """Every key of `spec` is present and its value passes the check."""
    for name, check in spec.items():
        assert name in obj, f"{what}: missing {name}"
        assert check(obj[name]), f"{what}: {name}={obj[name]!r}"


TEMPLATE = {
    "id": is_uuid, "name": is_str, "subject": nullable(is_str), "body": is_str,
    "channel": lambda v: v in ("email", "push", "whatsapp"), "target": lambda v: v in ("clients", "staff"),
    "is_default": is_bool, "is_active": is_bool, "taller_id": nullable(is_str),
    "service_type_id": nullable(is_uuid), "phase_id": nullable(is_uuid), "subtype_id": nullable(is_uuid),
    "service_type_name": nullable(is_str), "phase_name": nullable(is_str), "subtype_name": nullable(is_str),
    "variables": lambda v: isinstance(v, list) and all(is_str(x) and "{" not in x for x in v),
    "preview": is_str, "created_at": is_datetime, "updated_at": is_datetime,
}
PREFERENCE = {"id": is_str, "channel": lambda v: v in ("email", "push", "whatsapp"), "channel_display": is_str,
              "enabled": is_bool, "priority": is_int}
CUSTOMER = {
    "id": is_str, "customer_id": is_str, "first_name": is_str, "last_name": is_str, "full_name": is_str,
    "email": nullable(is_str), "phone": nullable(is_str), "whatsapp": nullable(is_str),
    "channel_preferences": lambda v: isinstance(v, list), "created_at": is_datetime, "updated_at": is_datetime,
}
VEHICLE = {
    "id": is_uuid, "customer_id": is_str, "brand": is_str, "model": is_str, "year": is_int, "plate": is_str,
    "display_name": is_str, "current_kilometers": is_int, "last_service_date": nullable(is_date),
    "next_service_kilometers": nullable(is_int), "remaining_km": nullable(is_int), "image_url": nullable(is_str),
}
REMINDER = {
    "id": is_uuid, "vehicle": is_uuid, "vehicle_plate": is_str, "vehicle_display": is_str, "customer_id": is_str,
    "type": lambda v: v in ("kilometers", "date", "both"), "type_display": is_str, "description": is_str,
    "target_kilometers": nullable(is_int), "target_date": nullable(is_date),
    "notify_via": lambda v: isinstance(v, list) and all(c in ("email", "push", "whatsapp") for c in v),
    "status": lambda v: v in ("pending", "notified", "completed", "overdue"), "status_display": is_str,
    "notify_before_days": nullable(is_int), "notify_before_km": nullable(is_int),
    "last_notified_at": nullable(is_datetime), "created_at": is_datetime, "updated_at": is_datetime,
}
