"""Detection as a workflow: load histories, judge each test with the pure rules, write the verdicts.

``update_for_upload`` runs after every ingest (from ``response.pipeline.upload_stored``), so a verdict
comes within the ingest that brought its evidence; ``recompute_project`` rebuilds every verdict of a
project from its results (nightly, and after changing the rules). Both go through ``judge_tests``, so
the incremental and the full path cannot disagree. Aggregates are written in one bulk upsert; a state
moves only through ``states.change_state``, which keeps the audit trail.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from hub.flaky import detection
from hub.flaky.models import TestHealth, TestState
from hub.flaky.services import figures, history, one_pass, upload_plan
from hub.flaky.services.states import Move, change_states
from hub.projects.models import Project
from hub.runs.models import Upload

log = logging.getLogger(__name__)

_AGGREGATE_FIELDS = tuple(detection.Aggregates.__dataclass_fields__)
_TIME_FIELDS = ("first_failure_at", "last_failure_at", "last_result_at")
_VERDICT_FIELDS = (
    "score",
    "confidence_low",
    "confidence_high",
    "evidence",
    "onset_sha",
    "onset_run_id",
    "clean_runs_needed",
)
_UPDATE_FIELDS = (
    *_AGGREGATE_FIELDS,
    *_VERDICT_FIELDS,
    "evidence_after",
    "judged_through",
    "judged_at",
    "updated_at",
)
_CLEARED = (TestState.HEALTHY, TestState.FIXED)


def update_for_upload(upload_id: int) -> int:
    """Judge the tests of one upload whose evidence may change their verdict (``upload_plan.plan_for_upload``)
    and count the clean passes of the watched others; return how many were judged."""
    upload = Upload.objects.select_related("job", "run", "project").filter(pk=upload_id).first()
    if upload is None:  # pruned or rolled back before the task ran: nothing to judge
        return 0
    plan = upload_plan.plan_for_upload(upload)
    judge_tests(
        upload.project, plan.judge, passed_clean=plan.passed_clean, known_failures=plan.known_failures
    )
    return len(plan.judge)


def recompute_project(project: Project | int) -> int:
    """Rebuild every verdict of a project from its results; return how many tests were judged."""
    if not isinstance(project, Project):
        project = Project.objects.get(pk=project)
    test_ids = history.judged_in_project(project.pk)
    for batch in history.chunks(test_ids):  # one transaction (and lock) per batch, not per project
        judge_tests(project, batch)
    return len(test_ids)


def recompute_all() -> int:
    """``recompute_project`` for every project; return how many tests were judged."""
    return sum(recompute_project(project) for project in Project.objects.all())


def judge_tests(
    project: Project,
    test_ids: Sequence[int],
    *,
    passed_clean: Sequence[int] = (),
    known_failures: Sequence[upload_plan.KnownFailure] = (),
) -> dict[int, detection.Verdict]:
    """Judge ``test_ids`` of ``project`` from their recent history and store the verdicts; count a clean
    pass of ``passed_clean`` and the failures of ``known_failures`` in those tests' figures (outcomes that
    cannot move them: ``upload_plan.plan_for_upload``).

    One transaction, with the tests' health rows locked (all of them, in test order, so two judges never
    deadlock) before their state and history are read: two workers judging one test take turns, and the
    second sees the first's verdict, so a state change is recorded once."""
    if not test_ids and not passed_clean and not known_failures:
        return {}
    test_ids = sorted(set(test_ids))
    verdicts: dict[int, detection.Verdict] = {}
    rows: list[TestHealth] = []
    with transaction.atomic():
        counted = sorted(set(passed_clean) - set(test_ids))
        failed = [f.test_id for f in known_failures]
        current = _locked_health_rows(project, test_ids, also_lock=[*counted, *failed])
        _count_clean_passes(counted)
        _count_known_failures(known_failures)
        pending = one_pass.take_clean_passes(test_ids)
        for test_id, times in pending.items():
            figures.add_clean_passes(current[test_id], times)  # the row as it would be, had they been written
        now = timezone.now()  # after the rows it creates: a new row's state is not newer than its verdict
        outcomes = one_pass.histories(project.pk, test_ids, project.default_branch, history.histories)
        stored = {test_id: _written(health) for test_id, health in current.items()}
        for test_id in test_ids:
            health = current[test_id]
            if health.state in _CLEARED and health.judged_at and health.state_since > health.judged_at:
                # Someone (a person, or quarantine ending) cleared it since the last verdict: what that
                # verdict saw is spent.
                health.evidence_after = max(health.evidence_after, health.judged_through)
            history_of = outcomes.get(test_id, ())
            verdict = one_pass.judge(
                test_id, history_of, previous=health.state, evidence_after=health.evidence_after
            )
            _apply(health, verdict, now)
            verdicts[test_id] = verdict
            if stored[test_id] != _written(health) or verdict.state != health.state:
                rows.append(health)  # unchanged rows are not rewritten: a nightly recompute changes few
        rewritten = {health.test_id for health in rows}
        for test_id, times in pending.items():
            if test_id not in rewritten:  # its figures stand as counted: still to be written
                one_pass.defer_clean_passes([test_id], times)
        TestHealth.objects.bulk_create(
            rows, update_conflicts=True, unique_fields=["test"], update_fields=list(_UPDATE_FIELDS)
        )
        moves = [
            Move(health, verdict.state, verdict.reason, verdict.rule, evidence=verdict.evidence)
            for health in rows
            if (verdict := verdicts[health.test_id]).state != health.state
        ]
        moved = {change.test_id for change in change_states(moves)}
        changed = [move.health for move in moves if move.health.test_id in moved]
        if changed:
            # Our own change must not read as a person's change next time (see the check above).
            TestHealth.objects.filter(pk__in=[h.pk for h in changed]).update(judged_at=F("state_since"))
    if changed:
        log.info("flaky detection: %d state changes in project %s", len(changed), project.pk)
        _after_verdicts(changed)
    return verdicts


def _count_clean_passes(test_ids: list[int]) -> None:
    """One more clean default-branch run for each test (in a backlog pass, counted when it ends)."""
    if not one_pass.defer_clean_passes(test_ids):
        figures.write_clean_passes(test_ids, 1)


def _count_known_failures(failures: Sequence[upload_plan.KnownFailure]) -> None:
    """The failures counted after the clean passes this backlog pass has counted before them."""
    if not failures:
        return
    for times, test_ids in one_pass.take_clean_passes_by_times(f.test_id for f in failures).items():
        figures.write_clean_passes(test_ids, times)
    figures.write_known_failures(failures)


@contextmanager
def backlog_pass() -> Iterator[None]:
    """Analyse several uploads inside as one pass (``one_pass``); the clean passes it counted are
    written when it ends (or, earlier, by ``write_clean_passes``)."""
    with one_pass.one_pass():
        yield
        write_clean_passes()


def write_clean_passes() -> None:
    """Write the clean passes a backlog pass has counted so far (before anything else reads them)."""
    for times, test_ids in one_pass.take_clean_passes_by_times().items():
        figures.write_clean_passes(test_ids, times)


def _written(health: TestHealth) -> tuple:
    """What a verdict writes, but the time it was written."""
    return tuple(getattr(health, name) for name in _UPDATE_FIELDS[:-2])


def _locked_health_rows(
    project: Project, test_ids: list[int], also_lock: Sequence[int] = ()
) -> dict[int, TestHealth]:
    """The health rows of ``test_ids``, the missing ones created healthy, all locked with those of
    ``also_lock`` until the transaction ends: in test order, so that two judges never deadlock
    (``select_for_update`` on PostgreSQL; SQLite's IMMEDIATE transactions already hold the write lock)."""
    if connection.features.has_select_for_update:
        if one_pass.first_in_project(project.pk):
            every = TestHealth.objects.select_for_update().filter(project_id=project.pk).order_by("test_id")
            one_pass.note_locked(list(every.values_list("pk", flat=True)))
        for chunk in history.chunks(one_pass.not_locked(sorted({*test_ids, *also_lock}))):
            locked = TestHealth.objects.select_for_update().filter(test_id__in=chunk).order_by("test_id")
            one_pass.note_locked(list(locked.values_list("pk", flat=True)))
    rows: dict[int, TestHealth] = {}
    for chunk in history.chunks(test_ids):
        rows.update((h.test_id, h) for h in TestHealth.objects.filter(test_id__in=chunk))
        missing = [test_id for test_id in chunk if test_id not in rows]
        if missing:
            TestHealth.objects.bulk_create(
                [TestHealth(test_id=test_id, project_id=project.pk) for test_id in missing],
                ignore_conflicts=True,  # another judge may have created some of them a moment ago
            )
            created = TestHealth.objects.select_for_update().filter(test_id__in=missing).order_by("test_id")
            rows.update((h.test_id, h) for h in created)
            one_pass.note_locked(missing)
    return rows


def _apply(health: TestHealth, verdict: detection.Verdict, now: datetime) -> None:
    aggregates = verdict.aggregates
    for name in _AGGREGATE_FIELDS:
        value = getattr(aggregates, name)
        setattr(health, name, _when(value) if name in _TIME_FIELDS else value)
    health.recent = health.recent[-200:]
    health.score = verdict.score
    health.confidence_low = verdict.confidence_low
    health.confidence_high = verdict.confidence_high
    health.evidence = verdict.evidence
    health.onset_sha = verdict.onset_sha
    health.onset_run_id = verdict.onset_run
    health.clean_runs_needed = verdict.clean_runs_needed if verdict.state != TestState.HEALTHY else 0
    health.judged_through = max(health.judged_through, verdict.newest_result_id)
    health.judged_at = now
    health.updated_at = now
    if verdict.clears:
        health.evidence_after = verdict.newest_result_id


def _when(value) -> datetime | None:
    """Run times from a raw cursor: aware on PostgreSQL, naive UTC (or text) on SQLite."""
    if value is None:
        return None
    parsed = value if isinstance(value, datetime) else parse_datetime(str(value))
    if parsed is not None and timezone.is_naive(parsed):
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


def _after_verdicts(changed: list[TestHealth]) -> None:
    """Newly flaky tests go on the quarantine list where the project quarantines automatically."""
    from hub.flaky.services import quarantine

    flaky = [h for h in changed if h.state == TestState.FLAKY]
    if not flaky:
        return
    projects = {p.pk: p for p in Project.objects.filter(pk__in={h.project_id for h in flaky})}
    for health in flaky:
        health.project = projects[health.project_id]
        quarantine.on_verdict(health)
