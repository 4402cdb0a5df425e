"""Bulk writes of results, the fast way each database allows, and the project lock every load takes.

The ORM spends tens of microseconds per object; a 100k-case report would take seconds. Results go as plain
tuples: multi-row ``INSERT ... VALUES`` on SQLite (``sqlite_bulk``), one ``COPY`` on PostgreSQL. They run
inside the caller's transaction and know nothing of reports, only of rows. Test identities are
``test_ids``'s.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from contextlib import ExitStack
from itertools import islice

from django.db import connection
from psycopg.copy import QueuedLibpqWriter

from hub.runs.models import TestResult
from hub.runs.services import sqlite_bulk

RESULT_TABLE = TestResult._meta.db_table
RESULT_COLUMNS = (
    "run_id",
    "job_id",
    "upload_id",
    "segment",
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
_SQLITE_IN_CHUNK = 2000  # host parameters per statement: SQLite 3.32+ allows 32766


def lock_project(project_id: int) -> None:
    """Serialise concurrent loads into one project on PostgreSQL (SQLite's IMMEDIATE transactions
    already do). Uploads upsert overlapping test identities in arbitrary order; without this two
    transactions can deadlock on each other's unique-index entries."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [0x0C1, project_id])


_ROWS_PER_COPY_WRITE = 2000
_NULL = "\\N"


def _copy_text(rows: list[tuple]) -> str:
    """``rows`` (of one load) as the lines of COPY's text format, written here rather than by psycopg's
    ``write_row`` (a third of the time: most rows are a passing test with no text at all). The columns
    every row of a load shares are formatted once."""
    if not rows:
        return ""
    run, job, upload, segment = rows[0][:4]
    shared = f"{run}\t{job}\t{upload}\t{segment}\t"
    lines = []
    append = lines.append
    for _, _, _, _, test, attempt, final, status, duration, message, failure, trace, output in rows:
        seconds = _NULL if duration is None else repr(duration)
        flag = "t" if final else "f"
        if message or failure or trace or output:
            append(
                f"{shared}{test}\t{attempt}\t{flag}\t{status}\t{seconds}\t{_copy_escaped(message)}"
                f"\t{_copy_escaped(failure)}\t{_copy_escaped(trace)}\t{_copy_escaped(output)}\n"
            )
        else:
            append(f"{shared}{test}\t{attempt}\t{flag}\t{status}\t{seconds}\t\t\t\t\n")
    return "".join(lines)


def _copy_escaped(text: str) -> str:
    """COPY text escapes (a report's NUL never gets here: ``storable``)."""
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


class ResultWriter:
    """Appends result rows (in ``RESULT_COLUMNS`` order) for one load, consuming them as they come.

    On PostgreSQL one ``COPY`` stays open across batches and its data leaves through a background writer
    thread, so the server stores rows while Python is still generating the rest (it runs on another
    core) and never waits at a batch's end. The connection is busy while a COPY is open: ``pause`` ends
    it before any other statement (creating tests), and the next ``write`` opens another. Use as a
    context manager; an error inside aborts the COPY with the transaction.
    """

    def __init__(self) -> None:
        self._postgresql = connection.vendor == "postgresql"
        self._copying = ExitStack()
        self._write: Callable[[str], None] | None = None

    def __enter__(self) -> ResultWriter:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._write = None
        self._copying.__exit__(*exc_info)

    def write(self, rows: Iterable[tuple]) -> None:
        if not self._postgresql:
            sqlite_bulk.insert_rows(RESULT_TABLE, RESULT_COLUMNS, rows)
            return
        if self._write is None:
            cursor = self._copying.enter_context(connection.cursor()).cursor
            copy_sql = f"COPY {RESULT_TABLE} ({', '.join(RESULT_COLUMNS)}) FROM STDIN"
            copy = self._copying.enter_context(cursor.copy(copy_sql, writer=QueuedLibpqWriter(cursor)))
            self._write = copy.write
        rows = iter(rows)
        while chunk := list(islice(rows, _ROWS_PER_COPY_WRITE)):
            self._write(_copy_text(chunk))

    def pause(self) -> None:
        """End the open COPY, if any, so that the connection can run other statements."""
        self._write = None
        self._copying.close()


def results_of(upload_id: int, job_id: int, test_ids: Sequence[int]) -> list[tuple[int, int, str, bool]]:
    """``(id, test_id, status, final)`` of the given tests' results in one upload (of ``job_id``: the
    results table is indexed by job), by test, then id."""
    rows: list[tuple[int, int, str, bool]] = []
    with connection.cursor() as cursor:
        for start in range(0, len(test_ids), _SQLITE_IN_CHUNK):
            chunk = list(test_ids[start : start + _SQLITE_IN_CHUNK])
            marks = ",".join(["%s"] * len(chunk))
            cursor.execute(
                f"SELECT id, test_id, status, final FROM {RESULT_TABLE} "
                f"WHERE job_id = %s AND upload_id = %s AND test_id IN ({marks}) ORDER BY test_id, id",
                [job_id, upload_id, *chunk],
            )
            rows.extend((r[0], r[1], r[2], bool(r[3])) for r in cursor.fetchall())
    return rows


def renumber_attempts(updates: Sequence[tuple[int, bool, int]]) -> None:
    """Apply ``(attempt, final, result id)`` to results."""
    with connection.cursor() as cursor:
        cursor.executemany(f"UPDATE {RESULT_TABLE} SET attempt = %s, final = %s WHERE id = %s", list(updates))
