"""Bulk writes of tests and results, the fast way each database allows.

The ORM spends tens of microseconds per object; a 100k-case report would take seconds. These writers send
rows as plain tuples: multi-row ``INSERT ... VALUES`` and one-row aggregate lookups on SQLite, ``COPY``
and array upserts on PostgreSQL. They run inside the caller's transaction and know nothing of reports,
only of rows.

On SQLite every statement here does its whole batch in one ``sqlite3_step``, which Python runs without the
GIL. ``executemany`` (a step per row) would hand the GIL back and forth once per row: while the report is
read in another thread (``ingest``), each row would wait out the interpreter's 5 ms switch interval.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import ExitStack
from datetime import datetime
from functools import cache
from itertools import islice
from typing import Any, TypeVar

import msgspec
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
T = TypeVar("T")
TestRow = tuple[bytes, str, str, str, str]  # key, suite, classname, name, file
TEST_COLUMNS = ("project_id", "key", "suite", "classname", "name", "file", "created_at")
_SQLITE_IN_CHUNK = 2000  # host parameters per statement: SQLite 3.32+ allows 32766
# Rows per INSERT on SQLite: from about 128 rows a statement runs as fast as 2,730 (the host-parameter
# limit); 256 also keeps the GIL hand-overs few while another thread reads the report, and the statement
# (and the worker's memory: measured flat from 10k- to 500k-case reports) small. Keys per lookup likewise.
_ROWS_PER_INSERT = 256
_KEYS_PER_LOOKUP = 512
KEY_BYTES = 16  # agent.identity.test_key: a 128-bit BLAKE2b digest
_decode_ints = msgspec.json.Decoder(list[int]).decode


def lock_project(project_id: int) -> None:
    """Serialise concurrent loads into one project on PostgreSQL (SQLite's IMMEDIATE transactions
    already do). Uploads upsert overlapping test identities in arbitrary order; without this two
    transactions can deadlock on each other's unique-index entries."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [0x0C1, project_id])


def upsert_tests(
    project_id: int,
    keys: Sequence[bytes],
    describe: Callable[[int], TestRow],
    now: datetime,
    known: dict[bytes, int] | None = None,
) -> tuple[dict[bytes, int], int]:
    """Return the id of every key in ``keys`` and how many tests had to be created.

    ``describe(i)`` gives the test row of ``keys[i]``; it is called only for tests that do not exist yet:
    most tests of a report ran yesterday, so the keys are looked up first and only the missing ones
    inserted. ``known`` are ids already looked up (``CommittedTests``), which need no second look. A
    concurrent load of the same project cannot interleave (``lock_project``).
    """
    if not keys:
        return {}, 0
    ids = dict(known or {})
    unique = [key for key in dict.fromkeys(keys) if key not in ids]
    if not unique:
        return ids, 0
    postgresql = connection.vendor == "postgresql"
    ids.update(
        _test_ids_postgresql(connection.connection, project_id, unique)
        if postgresql
        else _test_ids_sqlite(connection.connection, project_id, unique)
    )
    first = {}
    for index, key in enumerate(keys):
        if key not in ids:
            first.setdefault(key, index)
    if not first:
        return ids, 0
    missing = sorted(describe(index) for index in first.values())
    if postgresql:
        ids.update(_insert_tests_postgresql(project_id, missing, now))
    else:
        stamp = now.isoformat(sep=" ")
        _insert_sqlite(TEST_TABLE, TEST_COLUMNS, ((project_id, *row, stamp) for row in missing))
        ids.update(_test_ids_sqlite(connection.connection, project_id, [row[0] for row in missing]))
    return ids, len(missing)


class CommittedTests:
    """Looks up committed tests on a connection of its own, so that the thread reading a report can
    resolve its tests while the loading thread writes (``ingest``): the probes leave the writer's path.

    It sees only committed tests: ones the load created itself are not there, and ``upsert_tests`` looks
    up whatever it did not find. On SQLite it reads the last committed snapshot of the WAL beside the
    writer; on PostgreSQL it is an autocommit session. ``opener`` is called in the loading thread (it
    reads that thread's connection settings); the connection opens and closes in the reading thread.
    """

    def __init__(self, connect: Callable[[], Any], vendor: str) -> None:
        self._connect = connect
        self._vendor = vendor
        self._raw: Any = None

    @classmethod
    def opener(cls) -> CommittedTests | None:
        """None where a second connection cannot help: an in-memory SQLite database (it would wait on
        the writer's table locks)."""
        if connection.vendor == "postgresql":
            params = connection.get_connection_params()
            params.pop("cursor_factory", None)
            params.pop("context", None)
            return cls(lambda: psycopg.connect(**params, autocommit=True), "postgresql")
        if connection.vendor == "sqlite" and not connection.is_in_memory_db():
            database = str(connection.settings_dict["NAME"])
            return cls(lambda: sqlite3.connect(database, timeout=30), "sqlite")
        return None

    def ids(self, project_id: int, keys: list[bytes]) -> dict[bytes, int]:
        if self._raw is None:
            self._raw = self._connect()
            if self._vendor == "sqlite":
                self._raw.execute("PRAGMA query_only = 1")
        unique = list(dict.fromkeys(keys))
        postgresql = self._vendor == "postgresql"
        nearby = (_nearby_tests_postgresql if postgresql else _nearby_tests_sqlite)(
            self._raw, project_id, unique
        )
        ids = {key: nearby[key] for key in unique if key in nearby}
        if len(ids) < len(unique):
            probe = _test_ids_postgresql if postgresql else _test_ids_sqlite
            ids.update(probe(self._raw, project_id, [key for key in unique if key not in ids]))
        return ids

    def close(self) -> None:
        if self._raw is not None:
            self._raw.close()
            self._raw = None


# A suite's tests come in the order they were first reported, and their ids were given in that order: a
# batch's tests mostly sit in one run of ids. One probe finds where that run starts, one range read of
# the primary key brings the run back (a fraction of the cost of a probe per test); the tests it misses
# (reordered, or added since) are probed one by one.
_ANCHORS = 3  # first keys of a batch probed to find where its run of ids starts


def _span(keys: list[bytes]) -> int:
    return len(keys) + len(keys) // 4 + 64


def _nearby_tests_sqlite(raw_connection, project_id: int, keys: list[bytes]) -> dict[bytes, int]:
    anchors = keys[:_ANCHORS]
    marks = ",".join("?" * len(anchors))
    cursor = raw_connection.cursor()
    try:
        cursor.execute(
            f"WITH anchor(first) AS (SELECT min(id) FROM {TEST_TABLE} "
            f"  WHERE project_id = ? AND key IN ({marks})) "
            "SELECT json_group_array(id), group_concat(hex(key), '') FROM ("
            # "+": read the primary key's range, not the project's whole (project, key) index
            f"  SELECT t.id, t.key FROM {TEST_TABLE} t WHERE +t.project_id = ? "
            "   AND t.id BETWEEN (SELECT first FROM anchor) AND (SELECT first FROM anchor) + ?"
            ")",
            [project_id, *anchors, project_id, _span(keys)],
        )
        found, hexed = cursor.fetchone()
    finally:
        cursor.close()
    return _pairs(_decode_ints(found), bytes.fromhex(hexed or ""))


def _nearby_tests_postgresql(raw_connection, project_id: int, keys: list[bytes]) -> dict[bytes, int]:
    with psycopg.Cursor(raw_connection) as cursor:
        cursor.execute(
            f"WITH anchor AS (SELECT min(id) AS first FROM {TEST_TABLE} "
            "  WHERE project_id = %s AND key = ANY(%b)) "
            f"SELECT t.key, t.id FROM {TEST_TABLE} t, anchor WHERE t.project_id = %s "
            "AND t.id BETWEEN anchor.first AND anchor.first + %s",
            [project_id, keys[:_ANCHORS], project_id, _span(keys)],
            binary=True,
        )
        return dict(cursor.fetchall())


def _pairs(ids: list[int], keys: bytes) -> dict[bytes, int]:
    if len(keys) != KEY_BYTES * len(ids):
        return {}  # not the keys this code writes: let the probes decide
    return {keys[n * KEY_BYTES : (n + 1) * KEY_BYTES]: test_id for n, test_id in enumerate(ids)}


def _test_ids_sqlite(raw_connection, project_id: int, keys: list[bytes]) -> dict[bytes, int]:
    """One statement and one result row per chunk: positions and ids as two aligned JSON arrays (a row
    per test would cost more than the index probes themselves)."""
    ids: dict[bytes, int] = {}
    raw = raw_connection.cursor()
    try:
        largest = min(_KEYS_PER_LOOKUP, raw_connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) - 1)
        for chunk in _statement_chunks(keys, largest):
            raw.execute(_lookup_sql(len(chunk)), [*chunk, project_id])
            positions, found = raw.fetchone()
            ids.update(zip(map(chunk.__getitem__, _decode_ints(positions)), _decode_ints(found), strict=True))
    finally:
        raw.close()
    return ids


@cache
def _lookup_sql(size: int) -> str:
    values = ",".join(f"({n},?)" for n in range(size))
    return (
        f"WITH wanted(n, key) AS (VALUES {values}) "
        f"SELECT json_group_array(wanted.n), json_group_array(t.id) FROM wanted "
        f"JOIN {TEST_TABLE} t ON t.project_id = ? AND t.key = wanted.key"
    )


def _joined(keys: list[bytes]) -> bytes:
    blob = b"".join(keys)
    if len(blob) != KEY_BYTES * len(keys):
        raise ValueError(f"test keys must be {KEY_BYTES} bytes (agent.identity.test_key)")
    return blob


def _insert_sqlite(table: str, columns: tuple[str, ...], rows: Iterable[tuple]) -> None:
    """Append ``rows``, up to ``_ROWS_PER_INSERT`` a statement (within SQLite's host-parameter limit)."""
    per_statement = max(1, min(_ROWS_PER_INSERT, _sqlite_parameter_limit() // len(columns)))
    rows = iter(rows)
    raw = connection.connection.cursor()
    try:
        while batch := list(islice(rows, per_statement)):
            for chunk in _statement_chunks(batch, per_statement):
                raw.execute(
                    _insert_sql(table, columns, len(chunk)), [value for row in chunk for value in row]
                )
    finally:
        raw.close()


@cache
def _insert_sql(table: str, columns: tuple[str, ...], rows: int) -> str:
    one = "(" + ",".join("?" * len(columns)) + ")"
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES " + ",".join([one] * rows)


def _sqlite_parameter_limit() -> int:
    return connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)


def _statement_chunks(items: list[T], largest: int) -> Iterator[list[T]]:
    """``items`` cut into chunks of ``largest``, the rest into powers of two: SQLite keeps every distinct
    statement text it compiles (Python's statement cache, 128 of them, each up to a few hundred KB), so
    the sizes a statement can have are kept to a dozen whatever the batch sizes."""
    start = 0
    while len(items) - start >= largest:
        yield items[start : start + largest]
        start += largest
    size = 1 << (largest.bit_length() - 1)
    while start < len(items):
        while size > len(items) - start:
            size >>= 1
        yield items[start : start + size]
        start += size


def _test_ids_postgresql(raw_connection, project_id: int, keys: list[bytes]) -> dict[bytes, int]:
    """The keys travel as one binary blob cut apart by the server (psycopg dumps an array element by
    element in Python). The scalar subquery is one index probe per key, whatever the planner would
    estimate for a join."""
    with psycopg.Cursor(raw_connection) as cursor:
        cursor.execute(
            f"SELECT n, (SELECT t.id FROM {TEST_TABLE} t WHERE t.project_id = %s "
            f"  AND t.key = substring(%b FROM n * {KEY_BYTES} + 1 FOR {KEY_BYTES})) "
            "FROM generate_series(0, %s - 1) AS n",
            [project_id, _joined(keys), len(keys)],
            binary=True,
        )
        return {keys[n]: test_id for n, test_id in cursor.fetchall() if test_id is not None}


def _insert_tests_postgresql(project_id: int, missing: list[TestRow], now: datetime) -> dict[bytes, int]:
    columns = [list(column) for column in zip(*missing, strict=True)]
    with psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(
            f"INSERT INTO {TEST_TABLE} ({', '.join(TEST_COLUMNS)}) "
            "SELECT %s, *, %s FROM unnest(%b, %b::text[], %b::text[], %b::text[], %b::text[]) "
            "RETURNING key, id",
            [project_id, now, *columns],
            binary=True,
        )
        return dict(cursor.fetchall())


def refresh_test_statistics() -> None:
    """After a load created many tests, fresh planner statistics keep the next batches' lookups on the
    unique index rather than a scan of the project's tests (PostgreSQL; SQLite plans by index anyway)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {TEST_TABLE}")


_ROWS_PER_COPY_WRITE = 2000
_NULL = "\\N"


def _copy_text(rows: list[tuple]) -> str:
    """``rows`` as the lines of COPY's text format, written here rather than by psycopg's ``write_row``
    (a third of the time: most rows are a passing test with no text at all)."""
    lines = []
    for run, job, upload, test, attempt, final, status, duration, message, failure, trace, output in rows:
        seconds = _NULL if duration is None else repr(duration)
        flag = "t" if final else "f"
        if message or failure or trace or output:
            lines.append(
                f"{run}\t{job}\t{upload}\t{test}\t{attempt}\t{flag}\t{status}\t{seconds}\t{_copy_escaped(message)}"
                f"\t{_copy_escaped(failure)}\t{_copy_escaped(trace)}\t{_copy_escaped(output)}\n"
            )
        else:
            lines.append(f"{run}\t{job}\t{upload}\t{test}\t{attempt}\t{flag}\t{status}\t{seconds}\t\t\t\t\n")
    return "".join(lines)


def _copy_escaped(text: str) -> str:
    """COPY text escapes; PostgreSQL text cannot hold NUL at all, so a NUL in a report is dropped (the
    rest of the text is kept, where refusing the row would refuse the whole report)."""
    return (
        text.replace("\\", "\\\\")
        .replace("\t", "\\t")
        .replace("\n", "\\n")
        .replace("\r", "\\r")
        .replace("\x00", "")
    )


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
            _insert_sqlite(RESULT_TABLE, RESULT_COLUMNS, rows)
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
