"""The fix job state machine and its retry delays, as plain data and pure functions."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest

from hub.response import machine
from hub.response.models import FixState as S


@pytest.mark.parametrize(
    ("current", "to"),
    [
        (S.PENDING, S.DISPATCHED),
        (S.DISPATCHED, S.RUNNING),
        (S.PENDING, S.RUNNING),
        (S.RUNNING, S.AWAITING_VERIFICATION),
        (S.RUNNING, S.PENDING),
        (S.RUNNING, S.DEAD),
        (S.RUNNING, S.FAILED),
        (S.AWAITING_VERIFICATION, S.SUCCEEDED),
        (S.AWAITING_VERIFICATION, S.FAILED),
        (S.DEAD, S.PENDING),
        (S.FAILED, S.PENDING),
        (S.DEAD, S.CANCELLED),
        (S.AWAITING_VERIFICATION, S.CANCELLED),
        (S.RUNNING, S.AWAITING_APPROVAL),  # a hand-off stops before any call
        (S.AWAITING_APPROVAL, S.PENDING),  # approved
        (S.AWAITING_APPROVAL, S.CANCELLED),
        (S.AWAITING_VERIFICATION, S.PENDING),  # an agent run failed: the next attempt
    ],
)
def test_a_fix_job_may_move(current, to):
    assert machine.can_move(current, to)


@pytest.mark.parametrize(
    ("current", "to"),
    [
        (S.SUCCEEDED, S.PENDING),  # a success is final; nothing to try again
        (S.CANCELLED, S.PENDING),
        (S.RUNNING, S.CANCELLED),  # a call in flight finishes; its outcome is recorded
        (S.SUCCEEDED, S.CANCELLED),
        (S.PENDING, S.SUCCEEDED),  # only a worker or a verification decides the outcome
        (S.AWAITING_VERIFICATION, S.RUNNING),  # the effect exists: never made again
        (S.DEAD, S.RUNNING),  # only an operator brings a dead job back, through pending
        (S.AWAITING_APPROVAL, S.RUNNING),  # approval first, then a worker
    ],
)
def test_a_fix_job_may_not_move(current, to):
    assert not machine.can_move(current, to)


def test_every_state_has_its_entry_in_the_table():
    assert set(machine.ALLOWED) == set(S.values)


def test_finished_states_lead_nowhere_but_an_operators_retry_or_cancel():
    for finished in machine.FINISHED:
        onward = {to for to, sources in machine.ALLOWED.items() if finished in sources}
        assert onward <= {S.PENDING, S.CANCELLED}


def test_the_backoff_doubles_per_attempt_within_its_jitter():
    for attempts, plain in [(1, 30), (2, 60), (3, 120), (4, 240)]:
        delays = [machine.backoff(attempts, 30, random.Random(seed)) for seed in range(50)]
        assert all(timedelta(seconds=plain * 0.75) <= d <= timedelta(seconds=plain * 1.25) for d in delays)


def test_the_backoff_is_spread_so_failed_jobs_do_not_retry_in_step():
    delays = {machine.backoff(3, 30, random.Random(seed)) for seed in range(20)}
    assert len(delays) > 10


def test_the_backoff_is_capped_at_an_hour_plus_jitter():
    assert machine.backoff(30, 30, random.Random(1)) <= timedelta(hours=1.25)
