"""Closed vocabularies stored as plain strings (portable across SQLite and PostgreSQL)."""

TARGETS = ("clients", "staff")

TARGET_LABELS = {"clients": "Clientes", "staff": "Personal del taller"}


class NotificationStatus:
    WAITING_FOR_CUSTOMER = "waiting_for_customer"
    QUEUED = "queued"
    # Waiting for its planned time (send_at, a send window, a per-customer cap): see scheduled_at.
    SCHEDULED = "scheduled"
    SENDING = "sending"
    RETRYING = "retrying"
    SENT = "sent"
    DELIVERED = "delivered"
    READ = "read"
    FAILED = "failed"
    CANCELLED = "cancelled"

    CLAIMABLE = (QUEUED, RETRYING)
    FINAL = (SENT, DELIVERED, READ, FAILED, CANCELLED)
    ALL = (WAITING_FOR_CUSTOMER, QUEUED, SCHEDULED, SENDING, RETRYING, SENT, DELIVERED, READ, FAILED, CANCELLED)


class ReminderStatus:
    PENDING = "pending"
    NOTIFIED = "notified"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    OVERDUE = "overdue"

    ALL = (PENDING, NOTIFIED, COMPLETED, CANCELLED, OVERDUE)


class ReminderType:
    """What triggers a maintenance reminder (the reference's ReminderType)."""

    KILOMETERS = "kilometers"
    DATE = "date"
    BOTH = "both"

    ALL = (KILOMETERS, DATE, BOTH)
    LABELS = {KILOMETERS: "Kilómetros", DATE: "Fecha", BOTH: "Ambos"}

    @classmethod
    def of(cls, due_date, due_kilometers) -> str:
        """The type that matches the targets a reminder has."""
        if due_date is not None and due_kilometers is not None:
            return cls.BOTH
        return cls.KILOMETERS if due_kilometers is not None else cls.DATE


class TaskStatus:
    PENDING = "PENDING"
    STARTED = "STARTED"
    SUCCESS = "SUCCESS"
    FAILURE = "FAILURE"
    RETRY = "RETRY"
