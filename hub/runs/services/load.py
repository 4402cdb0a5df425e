"""Bulk writes of tests and results, the fast way each database allows.

The ORM spends tens of microseconds per object; a 100k-case report would take seconds. These writers send
rows as plain tuples: ``executemany`` on SQLite, ``COPY`` and array upserts on PostgreSQL. They run inside
the caller's transaction and know nothing of reports, only of rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.db import connection

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
TestRow = tuple[str, str, str, str, str]  # key, suite, classname, name, file
_SQLITE_IN_CHUNK = 500


def lock_project(project_id: int) -> None:
    """Serialise concurrent loads into one project on PostgreSQL (SQLite's IMMEDIATE transactions
    already do). Uploads upsert overlapping test identities in arbitrary order; without this two
    transactions can deadlock on each other's unique-index entries."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [0x0C1, project_id])


def upsert_tests(project_id: int, rows: Sequence[TestRow], now: datetime) -> dict[str, int]:
    """Create the tests that do not exist yet; return the id of every key in ``rows``."""
    if not rows:
        return {}
    if connection.vendor == "postgresql":
        return _upsert_tests_postgresql(project_id, rows, now)
    return _upsert_tests_sqlite(project_id, rows, now)


def _upsert_tests_sqlite(project_id: int, rows: Sequence[TestRow], now: datetime) -> dict[str, int]:
    raw = connection.connection.cursor()
    stamp = now.isoformat(sep=" ")
    raw.executemany(
        f"INSERT INTO {TEST_TABLE} (project_id, key, suite, classname, name, file, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (project_id, key) DO NOTHING",
        [(project_id, *row, stamp) for row in rows],
    )
    ids: dict[str, int] = {}
    keys = [row[0] for row in rows]
    for start in range(0, len(keys), _SQLITE_IN_CHUNK):
        chunk = keys[start : start + _SQLITE_IN_CHUNK]
        marks = ",".join("?" * len(chunk))
        raw.execute(
            f"SELECT key, id FROM {TEST_TABLE} WHERE project_id = ? AND key IN ({marks})",
            [project_id, *chunk],
        )
        ids.update(raw.fetchall())
    raw.close()
    return ids


def _upsert_tests_postgresql(project_id: int, rows: Sequence[TestRow], now: datetime) -> dict[str, int]:
    ordered = sorted(rows)  # a stable lock order inside the statement
    columns = list(zip(*ordered, strict=True))
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH input (key, suite, classname, name, file) AS (
                SELECT * FROM unnest(%s::text[], %s::text[], %s::text[], %s::text[], %s::text[])
            ), inserted AS (
                INSERT INTO {TEST_TABLE} (project_id, key, suite, classname, name, file, created_at)
                SELECT %s, key, suite, classname, name, file, %s FROM input
                ON CONFLICT (project_id, key) DO NOTHING
                RETURNING key, id
            )
            SELECT key, id FROM inserted
            UNION ALL
            SELECT t.key, t.id FROM {TEST_TABLE} t JOIN input i ON t.key = i.key WHERE t.project_id = %s
            """,
            [*(list(c) for c in columns), project_id, now, project_id],
        )
        return dict(cursor.fetchall())


def insert_results(rows: Sequence[tuple]) -> None:
    """Append result rows (in ``RESULT_COLUMNS`` order)."""
    if not rows:
        return
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            copy_sql = f"COPY {RESULT_TABLE} ({', '.join(RESULT_COLUMNS)}) FROM STDIN"
            with cursor.cursor.copy(copy_sql) as copy:
                for row in rows:
                    copy.write_row(row)
        return
    raw = connection.connection.cursor()
    marks = ", ".join("?" * len(RESULT_COLUMNS))
    raw.executemany(f"INSERT INTO {RESULT_TABLE} ({', '.join(RESULT_COLUMNS)}) VALUES ({marks})", rows)
    raw.close()


def unfinalize(upload_id: int, test_attempts: Sequence[tuple[int, int]]) -> None:
    """Mark earlier attempts of tests reported more than once in an upload as not final."""
    if not test_attempts:
        return
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {RESULT_TABLE} SET final = %s WHERE upload_id = %s AND test_id = %s AND attempt < %s",
            [(False, upload_id, test_id, attempt) for test_id, attempt in test_attempts],
        )
