"""Sending claimed notifications through their channel: the message each row becomes, and the sends
themselves, concurrently (DELIVERY_SEND_CONCURRENCY threads, each with its own kept SMTP connection
and HTTP session, app/channels/pool.py). A new send starts only when the caller takes an outcome,
so sends never run ahead of recording."""

from __future__ import annotations

import threading
import time
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from typing import Any

from app.channels.base import Message, SendResult
from app.channels.pool import get_channel
from app.models.base import utcnow
from app.records import active_push_targets


def _timed_send(channel: str, message: Message, config) -> tuple[SendResult, object, int]:
    started, clock = utcnow(), time.perf_counter()
    result = get_channel(channel, config).send(message)
    return result, started, int((time.perf_counter() - clock) * 1000)


_pools: dict[int, ThreadPoolExecutor] = {}
_pools_lock = threading.Lock()


def _send_pool(size: int) -> ThreadPoolExecutor:
    with _pools_lock:
        if size not in _pools:
            _pools[size] = ThreadPoolExecutor(max_workers=size, thread_name_prefix="avisos-send")
        return _pools[size]


def send_all(work: list[tuple[Any, Message]], config):
    """Yield (row, result, started, duration_ms) as sends complete. At most
    DELIVERY_SEND_CONCURRENCY sends are in flight, and the next one starts only when the caller
    takes an outcome: sends never run ahead of recording."""
    size = int(config.get("DELIVERY_SEND_CONCURRENCY", 1))
    if size <= 1 or len(work) <= 1:
        for row, message in work:
            yield (row, *_timed_send(row.channel, message, config))
        return
    pool = _send_pool(size)
    waiting = iter(work)
    in_flight: dict = {}

    def start_next() -> None:
        item = next(waiting, None)
        if item is not None:
            row, message = item
            in_flight[pool.submit(_timed_send, row.channel, message, config)] = row

    for _ in range(size):
        start_next()
    while in_flight:
        done, _ = wait(in_flight, return_when=FIRST_COMPLETED)
        for future in done:
            row = in_flight.pop(future)
            yield (row, *future.result())
            start_next()


def build_message(row: Any, unsure_since=None) -> Message:
    """The message a claimed row becomes (a push row carries the customer's active subscriptions)."""
    targets = active_push_targets(row.customer_id) if row.channel == "push" and row.customer_id else ()
    return Message(
        notification_id=str(row.id), channel=row.channel, recipient=row.recipient, subject=row.subject,
        body=row.body, html_body=row.html_body, payload=row.payload or {}, push_targets=targets,
        unsure_since=unsure_since,
    )
