"""On SQLite, a large upload's WAL checkpoint runs in the background instead of in its request.

In WAL mode the commit that takes the log past ``wal_autocheckpoint`` pages copies the whole log into the
database file before it returns: after a 100k-case upload (~30 MB of pages) that is a sixth of the
request. The copy is maintenance, not part of committing (the data is committed once it is in the log),
so a large ingest turns the automatic checkpoint off on its connection until the request is done, then
starts one passive checkpoint in a thread on its own connection. Readers and writers go on meanwhile; a
checkpoint already running is not doubled, and any later commit over the threshold checkpoints as usual.
PostgreSQL checkpoints on its own: nothing to do there.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection

log = logging.getLogger(__name__)
DEFERRED_ABOVE_BYTES = 4 * 1024 * 1024  # of report JSON; smaller uploads stay under the threshold anyway
_running = threading.Lock()


@contextmanager
def checkpoint_in_background(report_bytes: int) -> Iterator[None]:
    """Defer the checkpoint of what the block writes (SQLite, reports over ``DEFERRED_ABOVE_BYTES``)."""
    if connection.vendor != "sqlite" or report_bytes <= DEFERRED_ABOVE_BYTES or connection.is_in_memory_db():
        yield
        return
    connection.ensure_connection()
    raw = connection.connection
    (previous,) = raw.execute("PRAGMA wal_autocheckpoint").fetchone()
    raw.execute("PRAGMA wal_autocheckpoint = 0")
    try:
        yield
    finally:
        raw.execute(f"PRAGMA wal_autocheckpoint = {int(previous)}")
        if previous and _running.acquire(blocking=False):
            database = connection.settings_dict["NAME"]
            checkpointer = threading.Thread(target=_checkpoint, args=(str(database),), name="wal-checkpoint")
            checkpointer.daemon = True
            checkpointer.start()


def _checkpoint(database: str) -> None:
    try:
        with sqlite3.connect(database, timeout=60) as checkpointing:
            checkpointing.execute("PRAGMA wal_checkpoint(PASSIVE)")
        checkpointing.close()
    except sqlite3.Error:
        log.warning("Background WAL checkpoint of %s failed; the next commit will checkpoint.", database)
    finally:
        _running.release()
