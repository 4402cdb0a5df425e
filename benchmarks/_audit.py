"""What the database shows after a load or fault run: what was lost and what was repeated.

Read with plain SQL (the benchmark process never imports Django), from what the hub writes whatever its
internals: no mechanism is assumed beyond the tables themselves.

* An upload is *owed* its analysis while one of its failed final results has no ``Failure`` row
  (``hub.failures.services.analysis`` writes one per failed final result). Every load report carries at
  least one failure, so every upload owes one. Owed after the drain = **lost**.
* A failed final result whose test's ``TestHealth.judged_through`` is below the result's id was never seen
  by flaky detection: a **verdict lost**.
* An upload has its *verdict* once flaky detection has seen every failed final result it carried (each
  test's ``TestHealth.judged_through`` reached the result: judged, or counted as more of a flaky test's
  evidence); *upload to its verdict* runs from the upload's ``received_at`` to the newest ``updated_at``
  of those tests' health rows, read by ``verdicts`` while the run goes on.
* An upload the hub confirmed (201, or 200 as a replay) that is not in the database is a **report lost**.
* **Repeats**: a job with more than one upload (the load sends one report per job), stored results beyond
  what the uploads recorded, cluster and cluster-member occurrences beyond the ``Failure`` rows they count
  (an analysis counted twice), a flaky state change whose ``from_state`` is not the state the previous one
  left (a change applied twice, or out of order), and analyses claimed more than once (``OwedWork.attempts``:
  a task delivered again after its worker was lost; django-q2 keeps no record of an owed task's success).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from _hub import Backend

FAILED = "('failed', 'error')"
_OWED = f"""
    SELECT u.id, u.received_at FROM runs_upload u
    WHERE EXISTS (
        SELECT 1 FROM runs_testresult r
        WHERE r.job_id = u.job_id AND r.upload_id = u.id AND r.final AND r.status IN {FAILED}
          AND NOT EXISTS (SELECT 1 FROM failures_failure f WHERE f.result_id = r.id)
    )
"""


_JUDGED = f"""
    SELECT u.id, u.received_at, max(h.updated_at) FROM runs_upload u
    JOIN runs_testresult r ON r.job_id = u.job_id AND r.upload_id = u.id AND r.final AND r.status IN {FAILED}
    LEFT JOIN flaky_testhealth h ON h.test_id = r.test_id AND h.judged_through >= r.id
    WHERE u.id > ?
    GROUP BY u.id, u.received_at HAVING count(h.test_id) = count(*)
"""


def _when(value: Any) -> datetime:
    """A timestamp column as an aware datetime: psycopg gives one, SQLite gives Django's UTC text."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.fromisoformat(str(value)).replace(tzinfo=UTC)


def query(backend: Backend, sql: str, params: tuple = ()) -> list[tuple]:
    """All rows of ``sql`` (with ``?`` marks) on a fresh connection, closed afterwards."""
    conn = backend.connect()
    try:
        if not backend.path:
            sql = sql.replace("?", "%s")
        rows = list(conn.execute(sql, params).fetchall())
        conn.commit()
        return rows
    finally:
        conn.close()


def _scalar(backend: Backend, sql: str) -> int:
    return int(query(backend, sql)[0][0] or 0)


def owed(backend: Backend) -> tuple[int, float]:
    """(uploads owed their analysis, age in seconds of the oldest of them; 0 when none)."""
    rows = query(backend, _OWED)
    if not rows:
        return 0, 0.0
    oldest = min(_when(received) for _, received in rows)
    return len(rows), (datetime.now(UTC) - oldest).total_seconds()


def verdicts(backend: Backend, after: int = 0) -> dict[int, float]:
    """Uploads whose failed results flaky detection has all judged, each with the seconds from its receipt
    to that verdict. A health row's ``updated_at`` is its latest verdict or counted failure, which may be
    a later upload's: the time is then read now instead, whichever is earlier. Read every few seconds and
    kept from the first reading, it is at most one reading late. Only uploads numbered above ``after``
    are read (the sampler's reads, over every result, would otherwise grow with the run)."""
    now = datetime.now(UTC)
    return {
        upload: (min(now, _when(judged) if judged is not None else now) - _when(received)).total_seconds()
        for upload, received, judged in query(backend, _JUDGED, (after,))
    }


@dataclass
class Audit:
    confirmed_missing: int = 0  # confirmed to a client, not in the database
    landed_unconfirmed: int = 0  # in the database, though its client never got a confirmation
    analyses_lost: int = 0  # uploads still owed their analysis
    failures_unanalysed: int = 0  # failed final results without a Failure row
    verdicts_lost: int = 0  # failed final results flaky detection never saw
    tasks_failed: int = 0  # django-q2's failure records
    repeats: dict[str, int] = field(default_factory=dict)
    analysis_lag: list[float] = field(default_factory=list)  # seconds, upload received -> its Failure rows


def audit(backend: Backend, confirmed_keys: list[str]) -> Audit:
    """Everything the module docstring lists, for the project's uploads so far."""
    found = Audit()
    landed = {key for (key,) in query(backend, "SELECT idempotency_key FROM runs_upload")}
    found.confirmed_missing = len(set(confirmed_keys) - landed)
    found.landed_unconfirmed = len(landed - set(confirmed_keys))
    found.analyses_lost = len(query(backend, _OWED))
    found.failures_unanalysed = _scalar(
        backend,
        f"""SELECT count(*) FROM runs_testresult r WHERE r.final AND r.status IN {FAILED}
            AND NOT EXISTS (SELECT 1 FROM failures_failure f WHERE f.result_id = r.id)""",
    )
    found.verdicts_lost = _scalar(
        backend,
        f"""SELECT count(*) FROM runs_testresult r WHERE r.final AND r.status IN {FAILED}
            AND NOT EXISTS (SELECT 1 FROM flaky_testhealth h
                            WHERE h.test_id = r.test_id AND h.judged_through >= r.id)""",
    )
    found.tasks_failed = _scalar(backend, "SELECT count(*) FROM django_q_task WHERE NOT success")
    failures = _scalar(backend, "SELECT count(*) FROM failures_failure")
    found.repeats = {
        "uploads of one job beyond the first": _scalar(
            backend,
            "SELECT coalesce(sum(n - 1), 0) FROM (SELECT count(*) AS n FROM runs_upload GROUP BY job_id) j",
        ),
        "results stored beyond their upload's count": _scalar(
            backend,
            """SELECT coalesce(sum(stored - u.results), 0) FROM runs_upload u JOIN
               (SELECT upload_id, count(*) AS stored FROM runs_testresult GROUP BY upload_id) r
               ON r.upload_id = u.id WHERE stored > u.results""",
        ),
        "cluster occurrences beyond their failures": max(
            0, _scalar(backend, "SELECT sum(occurrences) FROM failures_failurecluster") - failures
        ),
        "cluster-member occurrences beyond their failures": max(
            0, _scalar(backend, "SELECT sum(occurrences) FROM failures_clustertest") - failures
        ),
        "flaky state changes out of sequence": _out_of_sequence(backend),
        "analyses claimed more than once": _scalar(
            backend, "SELECT count(*) FROM outbox_owedwork WHERE topic = 'upload.stored' AND attempts > 1"
        ),
    }
    lag = query(
        backend,
        """SELECT u.received_at, max(f.created_at) FROM runs_upload u
           JOIN runs_testresult r ON r.job_id = u.job_id AND r.upload_id = u.id
           JOIN failures_failure f ON f.result_id = r.id GROUP BY u.id, u.received_at""",
    )
    found.analysis_lag = sorted((_when(done) - _when(received)).total_seconds() for received, done in lag)
    return found


def _out_of_sequence(backend: Backend) -> int:
    """State changes whose ``from_state`` is not where the test's previous change left it (the first
    change of a test starts from its default state, healthy)."""
    rows = query(backend, "SELECT test_id, from_state, to_state FROM flaky_statechange ORDER BY test_id, id")
    count, state, test = 0, "healthy", None
    for test_id, from_state, to_state in rows:
        if test_id != test:
            test, state = test_id, "healthy"
        count += from_state != state
        state = to_state
    return count
