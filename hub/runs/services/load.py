"""Bulk writes of tests and results, the fast way each database allows.

The ORM spends tens of microseconds per object; a 100k-case report would take seconds. These writers send
rows as plain tuples: ``executemany`` on SQLite, ``COPY`` and array upserts on PostgreSQL. They run inside
the caller's transaction and know nothing of reports, only of rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

import psycopg
from django.db import connection
from psycopg.copy import QueuedLibpqWriter

from hub.runs.models import Test, TestResult

TEST_TABLE = Test._meta.db_table
RESULT_TABLE = TestResult._meta.db_table
RESULT_COLUMNS = (
    "run_id",
    "job_id",
    "upload_id",
    "test_id",
    "attempt",
    "final",
    "status",
    "duration",
    "message",
    "failure_type",
    "trace",
    "output",
)
TestRow = tuple[bytes, str, str, str, str]  # key, suite, classname, name, file
_SQLITE_IN_CHUNK = 2000  # host parameters per statement: SQLite 3.32+ allows 32766


def lock_project(project_id: int) -> None:
    """Serialise concurrent loads into one project on PostgreSQL (SQLite's IMMEDIATE transactions
    already do). Uploads upsert overlapping test identities in arbitrary order; without this two
    transactions can deadlock on each other's unique-index entries."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [0x0C1, project_id])


def upsert_tests(project_id: int, rows: Sequence[TestRow], now: datetime) -> tuple[dict[bytes, int], int]:
    """Return the id of every key in ``rows`` and how many tests had to be created.

    Most tests of a report exist already (they ran yesterday), so the keys are looked up first and only
    the missing ones inserted; a concurrent load of the same project cannot interleave (``lock_project``).
    """
    if not rows:
        return {}, 0
    if connection.vendor == "postgresql":
        return _upsert_tests_postgresql(project_id, rows, now)
    return _upsert_tests_sqlite(project_id, rows, now)


def _upsert_tests_sqlite(
    project_id: int, rows: Sequence[TestRow], now: datetime
) -> tuple[dict[bytes, int], int]:
    raw = connection.connection.cursor()
    try:
        ids = _sqlite_ids(raw, project_id, [row[0] for row in rows])
        missing = [row for row in rows if row[0] not in ids]
        if missing:
            stamp = now.isoformat(sep=" ")
            raw.executemany(
                f"INSERT INTO {TEST_TABLE} (project_id, key, suite, classname, name, file, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                [(project_id, *row, stamp) for row in missing],
            )
            ids.update(_sqlite_ids(raw, project_id, [row[0] for row in missing]))
    finally:
        raw.close()
    return ids, len(missing)


def _sqlite_ids(raw, project_id: int, keys: list[bytes]) -> dict[bytes, int]:
    ids: dict[bytes, int] = {}
    for start in range(0, len(keys), _SQLITE_IN_CHUNK):
        chunk = keys[start : start + _SQLITE_IN_CHUNK]
        marks = ",".join("?" * len(chunk))
        raw.execute(
            f"SELECT key, id FROM {TEST_TABLE} WHERE project_id = ? AND key IN ({marks})",
            [project_id, *chunk],
        )
        ids.update(raw.fetchall())
    return ids


def _upsert_tests_postgresql(
    project_id: int, rows: Sequence[TestRow], now: datetime
) -> tuple[dict[bytes, int], int]:
    # A server-side-binding cursor with binary parameters (%b) and results: Django's own cursors, and
    # psycopg's text format, escape every array element in Python.
    with psycopg.Cursor(connection.connection) as cursor:
        # The planner, misled by the unnest's row estimate, hashes every test of the project for each
        # batch; one index probe per key is two to three times faster. Scoped to this statement.
        cursor.execute("SET LOCAL enable_hashjoin = off")
        cursor.execute("SET LOCAL enable_mergejoin = off")
        cursor.execute(
            f"SELECT t.key, t.id FROM unnest(%b) AS i(key) "
            f"JOIN {TEST_TABLE} t ON t.project_id = %s AND t.key = i.key",
            [[row[0] for row in rows], project_id],
            binary=True,
        )
        ids = dict(cursor.fetchall())
        cursor.execute("SET LOCAL enable_hashjoin = on")
        cursor.execute("SET LOCAL enable_mergejoin = on")
        missing = sorted(row for row in rows if row[0] not in ids)
        if missing:
            columns = [list(column) for column in zip(*missing, strict=True)]
            cursor.execute(
                f"INSERT INTO {TEST_TABLE} (project_id, key, suite, classname, name, file, created_at) "
                "SELECT %s, *, %s FROM unnest(%b, %b::text[], %b::text[], %b::text[], %b::text[]) "
                "RETURNING key, id",
                [project_id, now, *columns],
                binary=True,
            )
            ids.update(cursor.fetchall())
    return ids, len(missing)


def refresh_test_statistics() -> None:
    """After a load created many tests, fresh planner statistics keep the next batches' lookups on the
    unique index rather than a scan of the project's tests (PostgreSQL; SQLite plans by index anyway)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {TEST_TABLE}")


def insert_results(rows: Iterable[tuple]) -> None:
    """Append result rows (in ``RESULT_COLUMNS`` order), consuming ``rows`` as they are produced.

    On PostgreSQL the COPY data leaves through a background writer thread, so the server stores rows
    while Python is still generating the rest (it runs on another core)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            copy_sql = f"COPY {RESULT_TABLE} ({', '.join(RESULT_COLUMNS)}) FROM STDIN"
            with cursor.cursor.copy(copy_sql, writer=QueuedLibpqWriter(cursor.cursor)) as copy:
                write = copy.write_row
                for row in rows:
                    write(row)
        return
    raw = connection.connection.cursor()
    marks = ", ".join("?" * len(RESULT_COLUMNS))
    raw.executemany(f"INSERT INTO {RESULT_TABLE} ({', '.join(RESULT_COLUMNS)}) VALUES ({marks})", rows)
    raw.close()


def results_of(upload_id: int, test_ids: Sequence[int]) -> list[tuple[int, int, str, bool]]:
    """``(id, test_id, status, final)`` of the given tests' results in one upload, by test, then id."""
    rows: list[tuple[int, int, str, bool]] = []
    with connection.cursor() as cursor:
        for start in range(0, len(test_ids), _SQLITE_IN_CHUNK):
            chunk = list(test_ids[start : start + _SQLITE_IN_CHUNK])
            marks = ",".join(["%s"] * len(chunk))
            cursor.execute(
                f"SELECT id, test_id, status, final FROM {RESULT_TABLE} "
                f"WHERE upload_id = %s AND test_id IN ({marks}) ORDER BY test_id, id",
                [upload_id, *chunk],
            )
            rows.extend((r[0], r[1], r[2], bool(r[3])) for r in cursor.fetchall())
    return rows


def renumber_attempts(updates: Sequence[tuple[int, bool, int]]) -> None:
    """Apply ``(attempt, final, result id)`` to results."""
    with connection.cursor() as cursor:
        cursor.executemany(f"UPDATE {RESULT_TABLE} SET attempt = %s, final = %s WHERE id = %s", list(updates))
