"""Proving a flaky fix end to end, from the agent's reports and signed workflow_run webhooks to a fake
GitHub at the HTTP boundary: a fix job that answers a red run of a flaky, quarantined test has its pull
request's run re-run on the head, one re-run at a time and each asked once, until the test passed
``runs_to_prove`` runs (bounded here by ``merge.flaky_max_runs: 3``); then the fix is merged and the test
marked fixed, taken off the quarantine list and its issue closed. A failed re-run keeps the test flaky,
comments once on the pull request, and asks a person."""

from __future__ import annotations

from pathlib import Path as _Path

import pytest

if not (_Path(__file__).resolve().parents[3] / ".." / "shared" / "corpus").is_dir():
    pytest.skip("the shared corpus is not here; it lives beside the repository", allow_module_level=True)

import json

import responses
from django.contrib.auth import get_user_model

from agent.providers.changes import PullRequestInfo
from hub.flaky.models import QuarantineEntry, StateChange, TestHealth
from hub.flaky.models import TestState as State
from hub.flaky.services import quarantine
from hub.response.models import Effect, FixJob, FixState
from hub.response.policy import store
from hub.response.services import fix_jobs, flaky_proof, merging
from hub.runs.models import Run, Test
from tests.hub.conftest import case, report
from tests.hub.operations.conftest import github_run
from tests.hub.response.conftest import FLAKY, completed, learn_flaky, red_run
from tests.hub.response.fake_fixer import REPO, fake_dispatch, pull_request_event, run_completed_event
from tests.hub.response.fake_issues import FakeIssues, fake_github_issues
from tests.hub.response.fake_merges import HEAD, FakePull

pytestmark = pytest.mark.django_db

FIX_RUN_ID = 555
POLICY = {
    "route": {"fixer": ["assertion"]},
    "rerun": {"enabled": False},
    "issues": {"flaky": True},
    "merge": {"enabled": True, "allowed_paths": ["app/**", "tests/**"], "flaky_max_runs": 3},
}


class FakeReruns:
    """GitHub's "re-run a workflow run" for the fix's run: each request starts its next attempt."""

    def __init__(self, api: responses.RequestsMock) -> None:
        self.requests = 0
        self.status = 201
        run = f"{REPO}/actions/runs/{FIX_RUN_ID}"
        api.add_callback("POST", f"{run}/rerun", callback=self._rerun)
        api.add_callback("GET", run, callback=self._run)

    def _rerun(self, _request) -> tuple[int, dict, str]:
        if self.status != 201:
            return self.status, {}, json.dumps({"message": "Resource not accessible by integration"})
        self.requests += 1
        return 201, {}, "{}"

    def _run(self, _request) -> tuple[int, dict, str]:
        shown = github_run(FIX_RUN_ID, run_attempt=self.requests + 1, status="queued", conclusion=None)
        return 200, {}, json.dumps(shown)


@pytest.fixture
def job(octo, octo_agent, sender, run_tasks, api) -> FixJob:
    """A fixer job for the corpus's red run, in which FLAKY (learned flaky, quarantined, its issue filed)
    failed; its pull request 12 linked."""
    store.save(octo, POLICY)
    learn_flaky(octo_agent, run_tasks)
    person = get_user_model().objects.create_user("maintainer")
    quarantine.quarantine(Test.objects.get(name=FLAKY), reason="it flakes on timing", user=person)
    red_run(octo_agent, run_tasks, FLAKY)
    fake_dispatch(api)
    sender.github("workflow_run", completed("failure"))
    job = FixJob.objects.get(responder="fixer")
    sender.github("pull_request", pull_request_event(12, f"orchestrate/fix-{job.pk}"))
    assert job.state == FixState.AWAITING_VERIFICATION
    return job


@pytest.fixture
def issues(api) -> FakeIssues:
    return fake_github_issues(api)


@pytest.fixture
def pull(job, api) -> FakePull:
    return FakePull(12, f"orchestrate/fix-{job.pk}").install(api)


@pytest.fixture
def reruns(job, api) -> FakeReruns:
    return FakeReruns(api)


def fix_run(sender, agent, commit, job: FixJob, attempt: int, flaky: str = "passed") -> None:
    """Attempt ``attempt`` of the fix's run on the head: FLAKY ``flaky``, reported, then completed."""
    branch = f"orchestrate/fix-{job.pk}"
    message = {"message": "AssertionError: timing"} if flaky == "failed" else {}
    with commit():
        agent.post_report(report(case(FLAKY, flaky, **message), case("test_steady"), run_id=str(FIX_RUN_ID),
                                 attempt=attempt, sha=HEAD, branch=branch, job="build"))  # fmt: skip
    payload = run_completed_event(FIX_RUN_ID, branch, "success" if flaky == "passed" else "failure")
    payload["workflow_run"]["run_attempt"] = attempt
    sender.github("workflow_run", payload)


def decisions(job: FixJob) -> list[str]:
    return [e.reason for e in job.events.filter(reason__startswith="merge decision").order_by("pk")]


@pytest.fixture(autouse=True)
def _issue_first(issues):
    """The issues fake is installed before the flaky test's issue is filed (in ``job``)."""


def test_the_claimed_flaky_test_is_re_run_on_the_head_until_it_passed_the_runs_that_prove_it(
    job, pull, reruns, sender, octo_agent, run_tasks
):
    fix_run(sender, octo_agent, run_tasks, job, 1)
    assert reruns.requests == 1
    assert pull.merges == []
    fix_run(sender, octo_agent, run_tasks, job, 2)
    assert reruns.requests == 2
    assert pull.merges == []

    fix_run(sender, octo_agent, run_tasks, job, 3)

    assert reruns.requests == 2  # the fix's own run and two re-runs: three green runs of the head
    assert pull.merges == [{"sha": HEAD, "merge_method": "merge"}]
    assert decisions(job)[:2] == [
        f"merge decision: wait: tests.test_widgets.{FLAKY}: 1 of 3 re-runs passed so far",
        f"merge decision: wait: tests.test_widgets.{FLAKY}: 2 of 3 re-runs passed so far",
    ]
    assert decisions(job)[2].startswith(f"merge decision: merge {HEAD[:12]}")
    keys = sorted(Effect.objects.filter(key__startswith="merge:proof:").values_list("key", flat=True))
    assert keys == [f"merge:proof:{job.pk}:{HEAD}:1", f"merge:proof:{job.pk}:{HEAD}:2"]


def test_a_proven_fix_once_merged_leaves_its_test_fixed_unquarantined_and_its_issue_closed(
    job, pull, reruns, issues, sender, octo_agent, run_tasks
):
    assert issues.one()["state"] == "open"

    for attempt in (1, 2, 3):
        fix_run(sender, octo_agent, run_tasks, job, attempt)

    health = TestHealth.objects.get(test__name=FLAKY)
    assert health.state == State.FIXED
    change = StateChange.objects.filter(test=health.test).latest("at", "id")
    assert (change.rule, change.user) == (flaky_proof.RULE, None)
    assert not QuarantineEntry.objects.filter(test=health.test, removed_at__isnull=True).exists()
    assert issues.one()["state"] == "closed"
    job.refresh_from_db()
    assert job.state == FixState.SUCCEEDED
    assert any(e.reason.startswith("flaky fix proven: tests.test_widgets.") for e in job.events.all())


def test_a_redelivered_webhook_and_a_replayed_task_ask_for_each_re_run_once(
    job, pull, reruns, sender, octo_agent, run_tasks
):
    fix_run(sender, octo_agent, run_tasks, job, 1)
    fix_run(sender, octo_agent, run_tasks, job, 1)  # the same attempt reported and delivered again
    run = Run.objects.get(provider_run_id=str(FIX_RUN_ID), attempt=1)
    assert merging.settle(job.pk, run.pk) == FixState.AWAITING_VERIFICATION  # the task replayed

    assert reruns.requests == 1
    [effect] = Effect.objects.filter(key__startswith="merge:proof:")
    assert (effect.key, effect.state) == (f"merge:proof:{job.pk}:{HEAD}:1", "done")


def test_a_re_run_whose_answer_was_lost_is_found_at_github_and_not_asked_again(
    job, pull, reruns, sender, octo_agent, run_tasks
):
    fix_run(sender, octo_agent, run_tasks, job, 1)
    Effect.objects.filter(key__startswith="merge:proof:").update(state="intended")  # a crash after the call
    run = Run.objects.get(provider_run_id=str(FIX_RUN_ID), attempt=1)

    merging.settle(job.pk, run.pk)

    assert reruns.requests == 1  # GitHub shows attempt 2: the earlier request went
    effect = Effect.objects.get(key=f"merge:proof:{job.pk}:{HEAD}:1")
    assert (effect.state, effect.detail.get("adopted_after_check")) == ("done", True)


def test_a_re_run_github_refuses_asks_a_person_once(job, pull, reruns, sender, octo_agent, run_tasks):
    reruns.status = 403

    fix_run(sender, octo_agent, run_tasks, job, 1)

    assert pull.merges == []
    [comment] = pull.comments
    assert f"tests.test_widgets.{FLAKY} could not be re-run" in comment
    job.refresh_from_db()
    assert job.state == FixState.SUCCEEDED  # its run passed; a person decides about the merge
    assert "could not be re-run" in job.events.last().reason


def test_a_failed_re_run_keeps_the_test_flaky_comments_once_and_asks_a_person(
    job, pull, reruns, issues, sender, octo_agent, run_tasks
):
    fix_run(sender, octo_agent, run_tasks, job, 1)

    fix_run(sender, octo_agent, run_tasks, job, 2, flaky="failed")
    fix_run(sender, octo_agent, run_tasks, job, 2, flaky="failed")  # delivered again

    assert reruns.requests == 1  # no further re-run, and no other round of the fixer
    assert pull.merges == []
    [comment] = pull.comments
    assert f"tests.test_widgets.{FLAKY} failed 1 of 2 re-runs: still flaky" in comment
    assert "a person decides" in comment
    assert TestHealth.objects.get(test__name=FLAKY).state in (State.FLAKY, State.QUARANTINED)
    assert issues.one()["state"] == "open"
    job.refresh_from_db()
    assert job.state == FixState.FAILED
    assert not job.effects.filter(key__startswith="fixer:dispatch:", key__contains=":round:").exists()


def test_a_pull_request_whose_description_names_a_flaky_test_claims_to_fix_it(octo, octo_agent, run_tasks):
    learn_flaky(octo_agent, run_tasks)
    job = fix_jobs.open_job(octo.pk, "fixer", "fixer:by-hand", "a fix a person asked for")
    flaky = Test.objects.get(name=FLAKY)

    def pr(body: str) -> PullRequestInfo:
        return PullRequestInfo("12", "", "open", "b", "main", HEAD, "t", False, raw={"body": body})

    assert flaky_proof.claimed(job, pr(f"Fixes {flaky} (a timing race).")).test == flaky
    assert flaky_proof.claimed(job, pr("Fixes the widgets.")) is None
    assert flaky_proof.claimed(job, pr(f"Fixes {flaky}_slow.")) is None
