"""Judging a backlog of uploads in one pass: what stays true between its uploads is read and decided once.

A worker that has fallen behind analyses several uploads of a project in one transaction, in order, with
the same effects as one at a time (``hub.outbox.services.claims.batched``). Between those uploads nothing
adds test results (an analysis writes failures and verdicts, never results), so a test's history, read
after its health row is locked, is the same for every upload of the pass that judges it; and the same
history judged from the same state and spent evidence gives the same verdict (``detection.judge`` is a
pure function). A test that fails in one upload and passes in the next is judged twice but read once and,
unless the first verdict moved it, decided once. Results another ingest commits meanwhile are judged when
their own upload is analysed, as they would be had this pass run before they landed.

A watched test's clean passes (``detection_run._count_clean_passes``: nearly every test of a steady
suite, every upload) are counted in memory and written once, all of a test's passes in one update that
does the same arithmetic in the same order; what reads them before then (the next upload's plan, a
verdict) adds what is pending, and a verdict that rewrites the test's figures makes its pending passes
part of its history.

Outside ``one_pass()`` nothing is kept: every analysis reads afresh.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from hub.flaky import detection


@dataclass
class _Pass:
    histories: dict[tuple[int, str, int], list] = field(default_factory=dict)
    verdicts: dict[tuple[int, str, int], detection.Verdict] = field(default_factory=dict)
    locked_projects: set[int] = field(default_factory=set)
    locked_tests: set[int] = field(default_factory=set)
    clean_passes: Counter = field(default_factory=Counter)


_current: ContextVar[_Pass | None] = ContextVar("flaky_one_pass", default=None)


@contextmanager
def one_pass() -> Iterator[None]:
    """Share histories and verdicts between the analyses run inside (one transaction's worth)."""
    token = _current.set(_Pass())
    try:
        yield
    finally:
        _current.reset(token)


def active() -> bool:
    return _current.get() is not None


def first_in_project(project_id: int) -> bool:
    """True the first time a pass asks about ``project_id`` (never outside a pass): the pass then locks
    every health row of the project in test order, since its uploads lock their tests one upload at a
    time, in an order across uploads that another analysis could meet the other way round."""
    shared = _current.get()
    if shared is None:
        return False
    if project_id in shared.locked_projects:
        return False
    shared.locked_projects.add(project_id)
    return True


def not_locked(test_ids: Iterable[int]) -> list[int]:
    """The ``test_ids`` whose health rows this pass has not locked yet (all of them outside a pass)."""
    shared = _current.get()
    if shared is None:
        return list(test_ids)
    return [t for t in test_ids if t not in shared.locked_tests]


def note_locked(test_ids: Iterable[int]) -> None:
    """Remember that this pass's transaction holds the health rows of ``test_ids`` locked: the next
    upload's judge need not lock them again (at ~2,000 tests, the lock statement of every upload cost
    more than its verdicts' writes)."""
    shared = _current.get()
    if shared is not None:
        shared.locked_tests.update(test_ids)


def histories(
    project_id: int,
    test_ids: Sequence[int],
    default_branch: str,
    read: Callable[[int, Sequence[int], str], dict[int, list]],
) -> dict[int, list]:
    """``read(project_id, test_ids, default_branch)``, from what this pass read already where it can."""
    shared = _current.get()
    if shared is None:
        return read(project_id, test_ids, default_branch)
    missing = [t for t in test_ids if (project_id, default_branch, t) not in shared.histories]
    if missing:
        found = read(project_id, missing, default_branch)
        for test_id in missing:
            shared.histories[(project_id, default_branch, test_id)] = found.get(test_id, [])
    return {t: shared.histories[(project_id, default_branch, t)] for t in test_ids}


def judge(test_id: int, outcomes: Sequence, *, previous: str, evidence_after: int) -> detection.Verdict:
    """``detection.judge`` of one test's history, decided once per state and spent evidence in a pass."""
    shared = _current.get()
    if shared is None:
        return detection.judge(outcomes, previous=previous, evidence_after=evidence_after)
    key = (test_id, previous, evidence_after)
    verdict = shared.verdicts.get(key)
    if verdict is None:
        verdict = shared.verdicts[key] = detection.judge(
            outcomes, previous=previous, evidence_after=evidence_after
        )
    return verdict


def defer_clean_passes(test_ids: Iterable[int], times: int = 1) -> bool:
    """Inside a pass, remember ``times`` more clean passes of ``test_ids`` and return True; outside one,
    return False (the caller writes them now)."""
    shared = _current.get()
    if shared is None:
        return False
    for test_id in test_ids:
        shared.clean_passes[test_id] += times
    return True


def pending_clean_passes() -> Mapping[int, int]:
    """The clean passes counted in this pass and not yet written, by test (none outside a pass)."""
    shared = _current.get()
    return shared.clean_passes if shared is not None else {}


def take_clean_passes(test_ids: Iterable[int]) -> dict[int, int]:
    """The pending clean passes of ``test_ids``, no longer pending."""
    shared = _current.get()
    if shared is None:
        return {}
    return {t: shared.clean_passes.pop(t) for t in test_ids if t in shared.clean_passes}


def take_clean_passes_by_times(test_ids: Iterable[int] | None = None) -> dict[int, list[int]]:
    """The pending clean passes of ``test_ids`` (of every test when None), no longer pending, as the tests
    to count once, twice, ... each."""
    shared = _current.get()
    if shared is None:
        return {}
    taken = take_clean_passes(list(shared.clean_passes) if test_ids is None else test_ids)
    by_times: dict[int, list[int]] = {}
    for test_id, times in sorted(taken.items()):
        by_times.setdefault(times, []).append(test_id)
    return by_times
