"""Closed vocabularies stored as plain strings (portable across SQLite and PostgreSQL)."""

CHANNELS = ("email", "whatsapp", "push")
TARGETS = ("clients", "staff")

CHANNEL_LABELS = {"email": "Email", "whatsapp": "WhatsApp", "push": "Push"}
TARGET_LABELS = {"clients": "Clientes", "staff": "Personal del taller"}


class NotificationStatus:
    WAITING_FOR_CUSTOMER = "waiting_for_customer"
    QUEUED = "queued"
    SENDING = "sending"
    RETRYING = "retrying"
    SENT = "sent"
    DELIVERED = "delivered"
    READ = "read"
    FAILED = "failed"
    CANCELLED = "cancelled"

    CLAIMABLE = (QUEUED, RETRYING)
    FINAL = (SENT, DELIVERED, READ, FAILED, CANCELLED)
    ALL = (WAITING_FOR_CUSTOMER, QUEUED, SENDING, RETRYING, SENT, DELIVERED, READ, FAILED, CANCELLED)


class ReminderStatus:
    PENDING = "pending"
    NOTIFIED = "notified"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    OVERDUE = "overdue"

    ALL = (PENDING, NOTIFIED, COMPLETED, CANCELLED, OVERDUE)


class TaskStatus:
    PENDING = "PENDING"
    STARTED = "STARTED"
    SUCCESS = "SUCCESS"
    FAILURE = "FAILURE"
    RETRY = "RETRY"
