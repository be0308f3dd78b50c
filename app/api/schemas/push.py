"""Web Push subscription bodies (PushSubscription.toJSON() plus customer_id)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class PushKeys(BaseModel):
    p256dh: str = Field(min_length=1, max_length=255)
    auth: str = Field(min_length=1, max_length=64)


class SubscribeIn(BaseModel):
    model_config = ConfigDict(extra="ignore", json_schema_extra={"examples": [{
        "customer_id": "customer-001", "endpoint": "https://fcm.googleapis.com/fcm/send/abc123",
        "expirationTime": None, "keys": {"p256dh": "BNcRd...", "auth": "tBHI..."}}]})

    customer_id: str = Field(min_length=1, max_length=128)
    endpoint: str = Field(min_length=8, max_length=2000, pattern=r"^https://")
    expirationTime: int | float | None = None
    keys: PushKeys
    user_agent: str = Field(default="", max_length=1000)


class UnsubscribeIn(BaseModel):
    model_config = ConfigDict(extra="ignore", json_schema_extra={"examples": [{
        "endpoint": "https://fcm.googleapis.com/fcm/send/abc123"}]})

    endpoint: str = Field(min_length=1, max_length=2000)


class SubscriptionOut(BaseModel):
    id: str
    customer_id: str
    endpoint: str
    is_active: bool
    created: bool
    created_at: datetime | None
    updated_at: datetime | None


class PushStatusOut(BaseModel):
    has_subscription: bool
    subscription_count: int


class VapidKeyOut(BaseModel):
    public_key: str
