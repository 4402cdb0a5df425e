"""A worker behind on analyses takes its backlog of uploads in one pass, with exactly the effects of
analysing them one at a time: the same failures in the same clusters, the same verdicts reached by the
same state changes, each upload's work marked done once."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from django.utils import timezone

from hub.failures.models import Failure
from hub.flaky.models import StateChange, TestHealth
from hub.flaky.services import upload_plan
from hub.outbox.models import OwedWork, WorkState
from hub.outbox.services import claims
from hub.projects.models import AgentToken, Project
from tests.hub.conftest import Agent, case, report

pytestmark = pytest.mark.django_db

TESTS = 40
FAILURE_RATE = 0.15


class World:
    """One project's CI: a suite failing at random (seeded), mostly on main, some pull requests."""

    def __init__(self, name: str, seed: int = 7) -> None:
        self.project = Project.objects.create(full_name=name, provider="github", default_branch="main")
        self.agent = Agent(AgentToken.issue(project=self.project, name="ci")[1])
        self.random = random.Random(seed)
        self.runs = 0

    def land(self) -> int:
        self.runs += 1
        cases = [
            case(f"test_{i}", "failed", message=f"assert {i % 3} == 1")
            if self.random.random() < FAILURE_RATE
            else case(f"test_{i}")
            for i in range(TESTS)
        ]
        extra = {"pull_request": 7, "base_branch": "main"} if self.runs % 5 == 0 else {}
        branch = "feature" if extra else "main"
        # Every third run is a re-run of the commit before it: same-commit evidence.
        sha = f"{self.runs - (self.runs % 3 == 0):040x}"
        doc = report(*cases, run_id=str(self.runs), branch=branch, sha=sha, **extra)
        response = self.agent.post_report(doc)
        assert response.status_code == 201, response.content
        return response.json()["upload"]

    def owed(self, upload_id: int) -> int:
        return OwedWork.objects.get(subject_id=upload_id, topic="upload.stored").pk

    def verdicts(self) -> dict:
        health = TestHealth.objects.filter(project=self.project).select_related("test")
        return {
            h.test.name: (
                h.state,
                (h.clean_streak, h.failure_streak, h.runs, h.failures, h.recent),
                (h.weighted_runs, h.weighted_failures, round(h.score, 9)),
                len(h.evidence),
            )
            for h in health
        }

    def changes(self) -> list:
        rows = StateChange.objects.filter(project=self.project).order_by("test__name", "id")
        return list(rows.values_list("test__name", "from_state", "to_state", "rule"))

    def failures(self) -> list:
        rows = Failure.objects.filter(project=self.project).order_by("run__provider_run_id", "test__name")
        fields = ("run__provider_run_id", "test__name", "category", "cluster__normalised", "classification")
        return list(rows.values_list(*fields))


def analysed(world: World, runs: int) -> World:
    """``world`` after ``runs`` uploads, each analysed before the next lands."""
    for _ in range(runs):
        assert claims.perform(world.owed(world.land())) == WorkState.DONE
    return world


def backlog(settings, prior: int, uploads: int) -> tuple[World, list[int]]:
    """A project analysed one upload at a time, then ``uploads`` landed with none analysed yet."""
    settings.OWED_BATCH_SIZE = 1
    world = analysed(World("acme/widgets"), prior)
    return world, [world.land() for _ in range(uploads)]


def test_a_backlog_done_in_one_pass_has_the_effects_of_one_upload_at_a_time(settings):
    settings.OWED_BATCH_SIZE = 1
    alone, together = analysed(World("acme/one-at-a-time"), 25), analysed(World("acme/one-pass"), 25)
    alone_ids = [alone.land() for _ in range(8)]
    together_ids = [together.land() for _ in range(8)]

    for upload_id in alone_ids:
        assert claims.perform(alone.owed(upload_id)) == WorkState.DONE
    settings.OWED_BATCH_SIZE = 20
    assert claims.perform(together.owed(together_ids[0])) == WorkState.DONE

    assert together.failures() == alone.failures()
    assert together.verdicts() == alone.verdicts()
    assert together.changes() == alone.changes()
    assert len(alone.changes()) > 10  # the backlog moved tests: the comparison has something to compare


def test_the_backlogs_later_tasks_find_their_work_done(settings):
    together, together_ids = backlog(settings, prior=3, uploads=4)
    settings.OWED_BATCH_SIZE = 20

    claims.perform(together.owed(together_ids[0]))

    assert [claims.perform(together.owed(u)) for u in together_ids[1:]] == [claims.SKIPPED] * 3
    work = OwedWork.objects.filter(subject_id__in=together_ids)
    assert set(work.values_list("state", "attempts")) == {(WorkState.DONE, 1)}


def test_a_pass_takes_at_most_the_batch_size(settings):
    together, together_ids = backlog(settings, prior=2, uploads=5)
    settings.OWED_BATCH_SIZE = 3

    claims.perform(together.owed(together_ids[0]))

    done = OwedWork.objects.filter(subject_id__in=together_ids, state=WorkState.DONE)
    assert sorted(done.values_list("subject_id", flat=True)) == together_ids[:3]


def test_work_another_worker_holds_is_left_out_of_the_pass(settings):
    together, together_ids = backlog(settings, prior=2, uploads=3)
    settings.OWED_BATCH_SIZE = 20
    held = together.owed(together_ids[1])
    OwedWork.objects.filter(pk=held).update(claimed_until=timezone.now() + timedelta(minutes=5), attempts=1)

    claims.perform(together.owed(together_ids[0]))

    states = dict(OwedWork.objects.filter(subject_id__in=together_ids).values_list("subject_id", "state"))
    assert states == {
        together_ids[0]: WorkState.DONE,
        together_ids[1]: WorkState.OWED,
        together_ids[2]: WorkState.DONE,
    }
    assert OwedWork.objects.get(pk=held).attempts == 1


def test_a_pass_over_two_projects_backlogs_gives_each_the_effects_of_one_at_a_time(settings):
    settings.OWED_BATCH_SIZE = 1
    alone = [analysed(World(f"acme/alone-{seed}", seed), 12) for seed in (7, 8)]
    together = [analysed(World(f"acme/together-{seed}", seed), 12) for seed in (7, 8)]
    for world in alone:
        for upload_id in [world.land() for _ in range(5)]:
            assert claims.perform(world.owed(upload_id)) == WorkState.DONE
    interleaved = [world.land() for _ in range(5) for world in together]
    settings.OWED_BATCH_SIZE = 20

    assert claims.perform(together[0].owed(interleaved[0])) == WorkState.DONE

    for one, other in zip(alone, together, strict=True):
        assert (other.failures(), other.verdicts(), other.changes()) == (
            one.failures(),
            one.verdicts(),
            one.changes(),
        )


def judged_after_every_failure(state: str, clean_streak: int, clean_runs_needed: int) -> bool:
    """``upload_plan.pass_may_change_state`` as it was: a watched test's pass right after a failure judged."""
    return state == "broken" or clean_streak == 0 or clean_streak + 1 >= clean_runs_needed


def judged_then_counted(settings, monkeypatch, rule: str, old) -> tuple[World, World]:
    """The same history analysed with ``upload_plan``'s ``rule`` as it was (``old``), then as it is."""
    settings.OWED_BATCH_SIZE = 1
    monkeypatch.setattr(upload_plan, rule, old)
    before = analysed(World(f"acme/{rule}-as-it-was"), 40)
    monkeypatch.undo()
    return before, analysed(World(f"acme/{rule}-as-it-is"), 40)


def assert_same_states(before: World, now: World) -> None:
    """The same state changes, states, streaks, runs, failures and recent outcomes; only the scores of
    the tests left unjudged wait for their next verdict (and differ: the comparison compares)."""
    assert now.changes() == before.changes()
    assert {name: v[:2] for name, v in now.verdicts().items()} == {
        name: v[:2] for name, v in before.verdicts().items()
    }
    assert now.verdicts() != before.verdicts()
    assert len(before.changes()) > 10


def test_a_flaky_tests_pass_after_a_failure_left_unjudged_changes_no_state(settings, monkeypatch):
    assert_same_states(
        *judged_then_counted(settings, monkeypatch, "pass_may_change_state", judged_after_every_failure)
    )


def test_a_flaky_tests_failure_left_unjudged_changes_no_state(settings, monkeypatch):
    every_failure_judged = lambda *_: True  # noqa: E731
    assert_same_states(
        *judged_then_counted(settings, monkeypatch, "failure_may_change_state", every_failure_judged)
    )
