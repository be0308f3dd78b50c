"""Group commit for events accepted by the API.

Under load many request threads of one web process accept events at the same time. Each used to
pay its own BEGIN, customer query, two INSERTs and COMMIT. A web process now has a writer
thread (DISPATCH_WRITER_THREADS, default 1): a request thread validates and renders its event,
hands it over and waits; the writer takes every event waiting at that moment, stores them in one
transaction and answers each request only after that COMMIT (nothing is acknowledged before it
is durable). A batch that fails is retried one event per transaction, so one bad event (a reused
Idempotency-Key, say) never fails its neighbours.

The writer is created lazily in the process that uses it (gunicorn forks workers after importing
the app), and only for the API's dispatch endpoint: other callers of `accept_event` (reminders,
console actions) run inside their own transaction and keep the direct path.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
from collections.abc import Callable, Sequence
from typing import Any

from flask import Flask, current_app

from app.db_health import is_transient, remove_session
from app.extensions import db

log = logging.getLogger(__name__)

EXTENSION_KEY = "avisos_dispatch_writer"

# store(batch) runs in an app context and returns one result per item, in order; it commits.
StoreFunc = Callable[[Sequence[Any]], list[Any]]
# after_commit(results) runs once per committed batch (wake delivery, publish); it must not raise.
AfterCommitFunc = Callable[[Sequence[Any]], None]

_STOP = object()


class WriterUnavailable(RuntimeError):
    """The writer did not answer in time; the event may or may not have been stored."""


class _Handoff:
    """One submitted item and its outcome. A bare lock, held until the outcome is set, is the
    cheapest thing a request thread can wait on (a Future builds a Condition per wait)."""

    __slots__ = ("_settled", "error", "finished", "result")

    def __init__(self):
        self.result: Any = None
        self.error: BaseException | None = None
        self.finished = False
        self._settled = threading.Lock()
        self._settled.acquire()

    def set_result(self, result: Any) -> None:
        self.result, self.finished = result, True
        self._settled.release()

    def set_exception(self, error: BaseException) -> None:
        self.error, self.finished = error, True
        self._settled.release()

    def outcome(self, timeout: float) -> Any:
        if not self._settled.acquire(timeout=timeout):
            raise TimeoutError
        if self.error is not None:
            raise self.error
        return self.result


class DispatchWriter:
    """One thread that stores the events of many request threads in shared transactions."""

    def __init__(self, app: Flask, store: StoreFunc, max_batch: int, wait_seconds: float, threads: int = 1,
                 after_commit: AfterCommitFunc | None = None, on_thread_exit: Callable[[], None] | None = None):
        self.app = app
        self.store = store
        self.after_commit = after_commit
        # Runs in each writer thread, in an app context, when it stops (gives back its connection).
        self.on_thread_exit = on_thread_exit
        self.max_batch = max(1, max_batch)
        self.wait_seconds = wait_seconds
        self.pid = os.getpid()
        self.batches = 0
        self.items = 0
        self._count_lock = threading.Lock()
        self._queue: queue.SimpleQueue[tuple[Any, _Handoff | None]] = queue.SimpleQueue()
        # With two threads one batch is planned while the other waits on the database, so a
        # process does not sit idle through its writer's round trips.
        self._threads = [threading.Thread(target=self._run, name=f"dispatch-writer-{n}", daemon=True)
                         for n in range(max(1, threads))]
        for thread in self._threads:
            thread.start()

    def submit(self, item: Any) -> Any:
        """Store one item with whatever else is waiting; returns its result after the COMMIT, or
        raises what storing it raised."""
        handoff = _Handoff()
        self._queue.put((item, handoff))
        try:
            return handoff.outcome(self.wait_seconds)
        except TimeoutError:
            raise WriterUnavailable(f"the dispatch writer did not answer within {self.wait_seconds} s") from None

    def alive(self) -> bool:
        return all(thread.is_alive() for thread in self._threads)

    def stop(self, timeout: float = 10.0) -> None:
        """Store what was submitted before this call, then end the threads (a stopping worker or
        a test). An item submitted afterwards is never stored: its caller gets WriterUnavailable."""
        for _ in self._threads:
            self._queue.put((_STOP, None))
        for thread in self._threads:
            thread.join(timeout)

    def _run(self) -> None:
        try:
            stopping = False
            while not stopping:
                batch = []
                first = self._queue.get()
                if first[0] is _STOP:
                    break
                batch.append(first)
                while len(batch) < self.max_batch:
                    try:
                        item = self._queue.get_nowait()
                    except queue.Empty:
                        break
                    if item[0] is _STOP:
                        stopping = True
                        break
                    batch.append(item)
                try:
                    self._store(batch)
                except Exception as err:  # the thread must outlive any one batch (logged with its traceback)
                    log.exception("dispatch writer: unexpected error")
                    for _, handoff in batch:
                        if not handoff.finished:
                            handoff.set_exception(err)
        finally:
            self._thread_exit()

    def _thread_exit(self) -> None:
        if self.on_thread_exit is None:
            return
        try:
            with self.app.app_context():
                self.on_thread_exit()
        except Exception:  # a stopping thread has no one to report to
            log.exception("dispatch writer: cleanup failed")

    def _store(self, batch: list[tuple[Any, _Handoff]]) -> None:
        with self._count_lock:
            self.batches += 1
            self.items += len(batch)
        with self.app.app_context():
            try:
                try:
                    results = self.store([item for item, _ in batch])
                except Exception as err:  # noqa: BLE001 - retried per item, or handed to its request
                    db.session.rollback()
                    if len(batch) == 1 or is_transient(err):
                        # One event's fault is retried alone; a database that is not answering
                        # fails every request of the batch at once (503, retry later).
                        for _, handoff in batch:
                            handoff.set_exception(err)
                        return
                    self._store_one_by_one(batch)
                    return
                # Waking delivery and publishing happen before the answers, as on the direct path:
                # a caller that got its 202 finds its notification.queued webhook rows written.
                self._run_after_commit(results)
                for (_, handoff), result in zip(batch, results, strict=True):
                    handoff.set_result(result)
            finally:
                remove_session()

    def _store_one_by_one(self, batch: list[tuple[Any, _Handoff]]) -> None:
        for item, handoff in batch:
            try:
                result = self.store([item])[0]
            except Exception as err:  # noqa: BLE001 - handed to the request that sent this item
                db.session.rollback()
                handoff.set_exception(err)
            else:
                self._run_after_commit([result])
                handoff.set_result(result)

    def _run_after_commit(self, results: list[Any]) -> None:
        if self.after_commit is None:
            return
        try:
            self.after_commit(results)
        except Exception:  # committed work stays committed; the sweeper wakes delivery if this failed
            log.exception("dispatch writer: after-commit work failed")


_create_lock = threading.Lock()


def group_commit_enabled(app: Flask) -> bool:
    """DISPATCH_GROUP_COMMIT: on, off, or auto (on for PostgreSQL; SQLite keeps the direct path)."""
    setting = str(app.config.get("DISPATCH_GROUP_COMMIT", "auto")).strip().lower()
    if setting in ("1", "true", "on", "yes"):
        return True
    if setting in ("0", "false", "off", "no"):
        return False
    return app.config.get("SQLALCHEMY_DATABASE_URI", "").startswith("postgresql")


def dispatch_writer(store: StoreFunc, after_commit: AfterCommitFunc | None = None,
                    on_thread_exit: Callable[[], None] | None = None) -> DispatchWriter | None:
    """This process's writer for the current app (started on first use), or None when disabled."""
    app = current_app._get_current_object()
    if not group_commit_enabled(app):
        return None
    writer = app.extensions.get(EXTENSION_KEY)
    if writer is not None and writer.pid == os.getpid() and writer.alive():
        return writer
    with _create_lock:
        writer = app.extensions.get(EXTENSION_KEY)
        if writer is None or writer.pid != os.getpid() or not writer.alive():
            writer = DispatchWriter(app, store, max_batch=app.config.get("DISPATCH_GROUP_MAX", 64),
                                    wait_seconds=app.config.get("DISPATCH_WRITE_TIMEOUT_SECONDS", 30.0),
                                    threads=app.config.get("DISPATCH_WRITER_THREADS", 1),
                                    after_commit=after_commit, on_thread_exit=on_thread_exit)
            app.extensions[EXTENSION_KEY] = writer
    return writer


def stop_dispatch_writer(app: Flask) -> None:
    """Stop this process's writer for `app`, if it has one (stored events are answered first)."""
    writer = app.extensions.pop(EXTENSION_KEY, None)
    if writer is not None and writer.pid == os.getpid():
        writer.stop()
