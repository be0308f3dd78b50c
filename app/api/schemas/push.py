"""Web Push subscription bodies: the browser's PushSubscription.toJSON() nested under `subscription`
(the Ambacar PWA) or flat (endpoint, keys, expirationTime at the top level), plus customer_id."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator


class PushKeys(BaseModel):
    model_config = ConfigDict(extra="forbid")

    p256dh: str = Field(min_length=1, max_length=255)
    auth: str = Field(min_length=1, max_length=64)


class BrowserSubscription(BaseModel):
    """PushSubscription.toJSON(): endpoint, keys and expirationTime (epoch milliseconds or null)."""

    model_config = ConfigDict(extra="forbid")

    endpoint: str = Field(min_length=8, max_length=2000, description="The push service's https URL")
    expirationTime: int | float | None = Field(default=None, ge=0)
    keys: PushKeys


SUBSCRIPTION_KEYS = ("endpoint", "keys", "expirationTime")


class SubscribeIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "customer_id": "customer-001", "subscription": {
            "endpoint": "https://fcm.googleapis.com/fcm/send/abc123", "expirationTime": None,
            "keys": {"p256dh": "BNcRd...", "auth": "tBHI..."}}, "user_agent": "Mozilla/5.0 ..."}]})

    customer_id: str = Field(min_length=1, max_length=128)
    subscription: BrowserSubscription
    user_agent: str = Field(default="", max_length=1000)

    @model_validator(mode="before")
    @classmethod
    def _flat_or_nested(cls, data: Any) -> Any:
        """Flat fields are the nested subscription's; both given with different values is an error."""
        if not isinstance(data, dict):
            return data
        flat = {k: data[k] for k in SUBSCRIPTION_KEYS if k in data}
        if not flat:
            return data
        nested = data.get("subscription")
        if isinstance(nested, dict):
            clashing = [k for k, v in flat.items() if k in nested and nested[k] != v]
            if clashing:
                raise ValueError("subscription: sent both nested and at the top level with different values ("
                                 + ", ".join(clashing) + "); send one.")
            flat = {**flat, **nested}
        rest = {k: v for k, v in data.items() if k not in SUBSCRIPTION_KEYS}
        return {**rest, "subscription": flat}

    @property
    def expires_at(self) -> datetime | None:
        value = self.subscription.expirationTime
        return datetime.fromtimestamp(value / 1000, UTC) if value is not None else None


class UnsubscribeIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "endpoint": "https://fcm.googleapis.com/fcm/send/abc123"}]})

    endpoint: str = Field(min_length=1, max_length=2000)


class SubscriptionOut(BaseModel):
    id: str
    customer_id: str
    endpoint: str
    is_active: bool
    last_used_at: datetime | None = Field(description="The last successful push")
    failure_count: int
    expires_at: datetime | None
    created: bool
    created_at: datetime | None
    updated_at: datetime | None


class PushStatusOut(BaseModel):
    has_subscription: bool
    subscription_count: int


class VapidKeyOut(BaseModel):
    public_key: str
