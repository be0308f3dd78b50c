"""What customers write back: inbound WhatsApp messages (Evolution `messages.upsert`), the
Respuestas inbox with staff answers, and opt-out / opt-in by message.

- receive_evolution: store the customer texts of one webhook body, idempotent (receive.py)
- classify / normalise_word: opt-out and opt-in words (optout.py)
- inbox_page, open_count, customer_messages, answer, mark_handled: the console's inbox (replies.py)
"""

from app.inbox.optout import classify, normalise_word, whatsapp_enabled
from app.inbox.receive import find_customer, is_upsert, message_data, parse_upsert, receive_evolution
from app.inbox.replies import (
    ReplyRefused,
    answer,
    customer_messages,
    get_message,
    inbox_page,
    mark_handled,
    open_count,
)

__all__ = [
    "answer", "classify", "customer_messages", "find_customer", "get_message", "inbox_page", "is_upsert",
    "mark_handled", "message_data", "normalise_word", "open_count", "parse_upsert", "receive_evolution",
    "ReplyRefused", "whatsapp_enabled",
]
