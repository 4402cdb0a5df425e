"""Fresh planner statistics while the run tables are young and growing fast (PostgreSQL only).

Autovacuum analyses a table once a minute at most, after a tenth of it changed. On a new hub taking
several uploads a second that leaves the planner up to a minute behind tables that double in size, and
its plans for the analysis' look-ups (an upload's previous upload of its job on the default branch: a
join of uploads, jobs and runs) go from index probes to nested scans of every row: measured at 380
uploads, 75 ms a look-up with statistics taken at 143, 0.1 ms once refreshed, in every analysis.

So ingest refreshes them itself at fixed points of growth, four times per doubling of the uploads
(``due``): the estimates are never more than a quarter behind, at a cost of a few milliseconds a few
dozen times in a hub's life. Past ``AUTOVACUUM_KEEPS_UP`` uploads autovacuum's own threshold is finer
than ours, and the hub leaves it to autovacuum.
"""

from __future__ import annotations

import logging

from django.db import DatabaseError, connection

from hub.runs.models import Job, Run, Test, Upload

log = logging.getLogger(__name__)

FIRST = 64  # below this every plan is cheap whatever the estimates
STEPS_PER_DOUBLING = 4
AUTOVACUUM_KEEPS_UP = 1 << 20
RUN_TABLES = (Run._meta.db_table, Job._meta.db_table, Upload._meta.db_table)


def due(upload_id: int) -> bool:
    """Whether the upload numbered ``upload_id`` is one of the growth points at which the run tables'
    statistics are refreshed: ``FIRST``, then every quarter of the last power of two (64, 80, 96, 112,
    128, 160, ...), up to ``AUTOVACUUM_KEEPS_UP``."""
    if upload_id < FIRST or upload_id > AUTOVACUUM_KEEPS_UP:
        return False
    step = max(1, (1 << (upload_id.bit_length() - 1)) // STEPS_PER_DOUBLING)
    return upload_id % step == 0


def refresh_run_statistics(upload_id: int) -> bool:
    """Analyse the run, job and upload tables if ``upload_id`` is a growth point; return whether it did.
    Called after the upload commits (ANALYZE takes a lock of its own, kept out of the ingest's); a
    refresh that fails is logged and left to autovacuum: the upload stands."""
    if connection.vendor != "postgresql" or not due(upload_id):
        return False
    try:
        _analyze(RUN_TABLES)
    except DatabaseError as error:
        log.warning("planner statistics not refreshed after upload %s: %s", upload_id, error)
        return False
    return True


def refresh_test_statistics() -> None:
    """After a load created many tests, fresh planner statistics keep the next batches' lookups on the
    unique index rather than a scan of the project's tests (PostgreSQL; SQLite plans by index anyway)."""
    if connection.vendor == "postgresql":
        _analyze((Test._meta.db_table,))


def _analyze(tables: tuple[str, ...]) -> None:
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")
    log.debug("planner statistics refreshed: %s", ", ".join(tables))
