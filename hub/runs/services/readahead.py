"""Run a producer in a background thread, a few items ahead of its consumer.

Ingest has two halves: reading the report (decompressed JSON, decoded and checked, test identities
hashed) and writing it. The writes spend most of their time in the database's C code without the GIL
(SQLite's page work, or waiting on PostgreSQL), so on a machine with two cores the next batch is read
while the current one is written. The queue is bounded: memory holds ``depth`` batches at most, whatever
the size of the report. The producer must not touch the database connection (it belongs to the
consumer's thread and transaction).

An exception in the producer is raised in the consumer at the item where it happened, so a malformed
report rolls the load back as if it had been read inline. A consumer that stops early (its own error)
closes the iterator, which stops the producer and waits for it.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Iterator
from contextlib import suppress
from typing import Generic, TypeVar

T = TypeVar("T")
_DONE = object()
_POLL = 0.1  # seconds between checks of the stop flag while the queue is full


class _Failure:
    def __init__(self, error: BaseException) -> None:
        self.error = error


class ReadAhead(Generic[T]):
    """Iterate ``source`` in a thread named ``name``, at most ``depth`` items ahead.

    Use as a context manager, so the thread is stopped and joined on every way out."""

    def __init__(self, source: Iterable[T], *, depth: int = 2, name: str = "read-ahead") -> None:
        self._source = source
        self._queue: queue.Queue[object] = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._produce, name=name, daemon=True)

    def __enter__(self) -> Iterator[T]:
        self._thread.start()
        return self._consume()

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._stop.set()
        while self._thread.is_alive():
            with suppress(queue.Empty):  # unblock a producer waiting on a full queue
                self._queue.get_nowait()
            self._thread.join(_POLL)

    def _produce(self) -> None:
        try:
            for item in self._source:
                if not self._put(item):
                    return
        except BaseException as error:  # handed to the consumer, raised there
            self._put(_Failure(error))
            return
        finally:
            close = getattr(self._source, "close", None)
            if close is not None:
                close()
        self._put(_DONE)

    def _put(self, item: object) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=_POLL)
                return True
            except queue.Full:
                continue
        return False

    def _consume(self) -> Iterator[T]:
        while True:
            item = self._queue.get()
            if item is _DONE:
                return
            if isinstance(item, _Failure):
                raise item.error
            yield item  # type: ignore[misc]
