"""A watched test's figures moved by one more run, without reading its history or judging it.

``upload_plan`` decides which outcomes cannot move a test's state: a clean pass far from clearing it, a
flaky or quarantined test's failure that cannot make it broken. For those the health row's figures move
as ``signals.aggregates`` would count the run (the newest run weighs 1, older ones decay; the streaks,
runs, flips and recent outcomes, and for a failure its time lost and when it happened), in one
statement for many tests; score, confidence and evidence wait for the test's next verdict or the
nightly recompute. The window is kept as the verdict keeps it: at most ``WINDOW`` runs counted, 200
outcomes in ``recent``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from django.db import connection
from django.utils import timezone

from hub.flaky import detection
from hub.flaky.models import TestHealth
from hub.flaky.services import history
from hub.flaky.services.upload_plan import KnownFailure

RECENT = 200
TABLE = TestHealth._meta.db_table
APPEND_FAILURE = "recent || 'f'"

# Raw statements: built by the ORM, a statement with a CASE per test took longer to compile (4 s for 20
# uploads' failures) than the analysis they save.


def write_clean_passes(
    test_ids: list[int], times: int, rules: detection.Rules = detection.DEFAULT_RULES
) -> None:
    """``times`` more clean default-branch runs for each test. Each run is one step of the same arithmetic
    (``add_clean_passes``), so counting them together or one at a time writes the same figures."""
    decay = 0.5 ** (1.0 / rules.half_life)
    weighted_runs, weighted_failures = "weighted_runs", "weighted_failures"
    for _ in range(times):
        weighted_runs, weighted_failures = f"({weighted_runs} * %s + 1)", f"({weighted_failures} * %s)"
    sql = (
        f"UPDATE {TABLE} SET flips = flips + CASE WHEN failure_streak > 0 THEN 1 ELSE 0 END, "
        "clean_streak = clean_streak + %s, failure_streak = 0, "
        f"runs = {_least('runs + %s', history.WINDOW)}, "
        f"weighted_runs = {weighted_runs}, weighted_failures = {weighted_failures}, "
        f"recent = {_right('recent || %s')}, updated_at = %s WHERE "
    )
    head = [times, times, *[decay] * times, *[decay] * times, "p" * times, _datetime(timezone.now())]
    with connection.cursor() as cursor:
        for chunk in history.chunks(test_ids):
            where, ids = _among(chunk)
            cursor.execute(sql + where, [*head, *ids])


def add_clean_passes(
    health: TestHealth, times: int, rules: detection.Rules = detection.DEFAULT_RULES
) -> None:
    """``write_clean_passes`` on a health row in memory."""
    decay = 0.5 ** (1.0 / rules.half_life)
    for _ in range(times):
        health.weighted_runs = health.weighted_runs * decay + 1
        health.weighted_failures = health.weighted_failures * decay
    if times and health.failure_streak > 0:
        health.flips += 1
    health.clean_streak += times
    health.failure_streak = 0
    health.runs = min(health.runs + times, history.WINDOW)
    health.recent = (health.recent + "p" * times)[-RECENT:]


def write_known_failures(
    failures: Sequence[KnownFailure], rules: detection.Rules = detection.DEFAULT_RULES
) -> None:
    """One more default-branch run for each test of ``failures``, in which it failed (and perhaps passed
    on a retry). The failure counts as seen: ``judged_through`` moves past it, so a person who later
    clears the test spends it with the rest of the evidence."""
    decay = 0.5 ** (1.0 / rules.half_life)
    alike: dict[tuple[bool, bool], list[KnownFailure]] = defaultdict(list)
    for failure in failures:
        alike[(failure.final_failed, failure.passed)].append(failure)
    now = _datetime(timezone.now())
    with connection.cursor() as cursor:
        for (final_failed, passed), group in sorted(alike.items()):
            flipped = int(final_failed)  # against the run before, whose final attempt failed if on a streak
            head = (
                f"UPDATE {TABLE} SET flips = flips + CASE WHEN runs = 0 THEN 0 "
                f"WHEN failure_streak > 0 THEN {1 - flipped} ELSE {flipped} END, "
                f"failure_streak = {'failure_streak + 1' if final_failed else '0'}, clean_streak = 0, "
                f"runs = {_least('runs + 1', history.WINDOW)}, "
                f"failures = {_least('failures + 1', history.WINDOW)}, "
                "weighted_runs = weighted_runs * %s + 1, weighted_failures = weighted_failures * %s + 1, "
                f"retry_flakes = retry_flakes + {int(passed)}, recent = {_right(APPEND_FAILURE)}, "
                "runs_affected = runs_affected + 1, updated_at = %s, "
            )
            for chunk in history.chunks(group):
                each = " ".join(["WHEN %s THEN CAST(%s AS double precision)"] * len(chunk))
                seen = " ".join(["WHEN %s THEN CAST(%s AS bigint)"] * len(chunk))
                when = " ".join(["WHEN %s THEN %s"] * len(chunk))
                at = f"CASE test_id {when} END"
                sql = head + (
                    f"time_lost = time_lost + CASE test_id {each} ELSE 0 END, "
                    f"first_failure_at = COALESCE(first_failure_at, {at}), last_failure_at = {at}, "
                    f"last_result_at = {at}, "
                    f"judged_through = {_greatest('judged_through', f'CASE test_id {seen} ELSE 0 END')} "
                    f"WHERE test_id IN {_placeholders(chunk)}"
                )
                ats = [value for f in chunk for value in (f.test_id, _datetime(f.at))]
                params: list[Any] = [decay, decay, now]
                params += [value for f in chunk for value in (f.test_id, f.failed_seconds)]
                params += ats * 3
                params += [value for f in chunk for value in (f.test_id, f.newest_result_id)]
                cursor.execute(sql, [*params, *(f.test_id for f in chunk)])


def _placeholders(values: Sequence) -> str:
    return f"({', '.join(['%s'] * len(values))})"


def _among(test_ids: list[int]) -> tuple[str, list]:
    """``test_id`` among ``test_ids``: one array on PostgreSQL (a placeholder per id costs the client
    more than the statement costs the server), a list elsewhere."""
    if connection.vendor == "postgresql":
        return "test_id = ANY(%s)", [test_ids]
    return f"test_id IN {_placeholders(test_ids)}", test_ids


def _least(expression: str, bound: int) -> str:
    return f"{'LEAST' if connection.vendor == 'postgresql' else 'MIN'}({expression}, {bound})"


def _greatest(one: str, other: str) -> str:
    return f"{'GREATEST' if connection.vendor == 'postgresql' else 'MAX'}({one}, {other})"


def _right(expression: str) -> str:
    """The last ``RECENT`` characters of ``expression``."""
    if connection.vendor == "postgresql":
        return f"RIGHT({expression}, {RECENT})"
    return f"SUBSTR({expression}, -{RECENT})"


def _datetime(value) -> Any:
    return connection.ops.adapt_datetimefield_value(value)
