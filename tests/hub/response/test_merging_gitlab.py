"""The merge decision acted on for a GitLab project, with GitLab faked at the HTTP boundary: a fix merge
request that passes every rule is merged with the head SHA it was decided on and its source branch
removed, with one note; a head that moved meanwhile (GitLab's 409) is waited on, never merged with
another SHA; one whose pipeline still runs is set to merge when it succeeds; a fork's merge request is
never merged; a replayed decision merges and notes once."""

from __future__ import annotations

from pathlib import Path as _Path

import pytest

if not (_Path(__file__).resolve().parents[3] / ".." / "shared" / "corpus").is_dir():
    pytest.skip("the shared corpus is not here; it lives beside the repository", allow_module_level=True)

from hub.response.models import EffectState, FixJob, FixState
from hub.response.policy import store
from hub.response.services import effects, fix_jobs, merging
from hub.runs.models import Run
from tests.hub.api.factories import make_run
from tests.hub.operations.conftest import give_token
from tests.hub.response.fake_fixer import ROUTED
from tests.hub.response.fake_gitlab_merges import HEAD, FakeMergeRequest
from tests.hub.webhooks.conftest import project_with_secret

pytestmark = pytest.mark.django_db

MERGING = {"enabled": True, "allowed_paths": ["app/**", "tests/**"]}


@pytest.fixture
def job() -> FixJob:
    """A GitLab fixer job awaiting verification, its merge request !1 linked, merging on."""
    project = project_with_secret("gitlabhq/gitlab-test", "gitlab")
    give_token(project, "glpat-for-tests")
    store.save(project, {**ROUTED, "merge": MERGING})
    job = fix_jobs.open_job(project.pk, "fixer", "fixer:gitlab:1", "routed", run=make_run(project))
    FixJob.objects.filter(pk=job.pk).update(state=FixState.AWAITING_VERIFICATION)
    effects.adopt(job, f"fixer:pull_request:{job.pk}", "pull_request", effects.Made("1", "https://x/1"))
    return job


@pytest.fixture
def mr(job, api) -> FakeMergeRequest:
    return FakeMergeRequest(1, f"orchestrate/fix-{job.pk}").install(api)


def fix_run(job: FixJob, conclusion: str = "success") -> Run:
    return make_run(job.project, branch=f"orchestrate/fix-{job.pk}", commit_sha=HEAD, conclusion=conclusion)


def test_a_gitlab_fix_that_passes_every_rule_is_merged_with_its_head_sha_and_its_branch_removed(job, mr):
    assert merging.settle(job.pk, fix_run(job).pk) == FixState.SUCCEEDED

    [merge] = mr.merges
    assert (merge["sha"], merge["should_remove_source_branch"]) == (HEAD, True)
    assert mr.state == "merged"
    [note] = mr.notes
    assert note.startswith(f"Orchestrate merged this fix at {HEAD[:12]}: checks, new_failures, validate")
    job.refresh_from_db()
    assert job.events.last().reason == f"merged pull request 1 at {HEAD[:12]}; its branch: deletion requested"
    assert job.effects.get(kind="merge").external_id == "f" * 40


def test_the_lines_gitlab_reports_count_against_the_size_limit(job, mr):
    store.save(job.project, {**ROUTED, "merge": {**MERGING, "max_lines": 10}})
    mr.files = [("app/config.py", 30, 5)]

    assert merging.settle(job.pk, fix_run(job).pk) == FixState.SUCCEEDED  # its run passed; a person merges

    assert mr.merges == []
    [note] = mr.notes
    assert "35 lines changed" in note


def test_a_validation_that_failed_on_gitlab_asks_a_person(job, mr):
    mr.validate = "failed"

    merging.settle(job.pk, fix_run(job).pk)

    assert mr.merges == []
    [note] = mr.notes
    assert "orchestrate validate failed on the head" in note


def test_a_head_gitlab_says_moved_is_waited_on_and_not_merged_with_another_sha(job, mr):
    run = fix_run(job)
    mr.head = "d" * 40  # pushed between the provider's answer and the merge
    mr_seen_at_decision = FakeMergeRequest(1, mr.branch)
    mr.merge_request = mr_seen_at_decision.merge_request  # the decision still reads the old head

    assert merging.settle(job.pk, run.pk) == FixState.AWAITING_VERIFICATION

    assert [m["sha"] for m in mr.merges] == [HEAD]  # one try, with the decided SHA only
    assert mr.notes == []
    assert job.effects.get(kind="merge").state == EffectState.FAILED
    assert "merge decision: wait: the head moved after" in job.events.last().reason


def test_a_merge_request_whose_pipeline_still_runs_is_set_to_merge_when_it_succeeds(job, mr):
    mr.pipeline_running = True

    assert merging.settle(job.pk, fix_run(job).pk) == FixState.SUCCEEDED

    assert mr.state == "opened"
    assert mr.auto_merge
    [note] = mr.notes
    assert note.startswith(f"Orchestrate set this fix to merge at {HEAD[:12]} when its pipeline succeeds")
    assert "auto-merge set on merge request 1" in job.events.last().reason


def test_a_merge_request_from_a_fork_is_never_merged(job, mr):
    mr.fork = True

    merging.settle(job.pk, fix_run(job).pk)

    assert mr.merges == []
    assert "lives in a fork" in job.events.filter(reason__startswith="merge decision").last().reason


def test_a_replayed_decision_merges_and_notes_once(job, mr):
    run = fix_run(job)
    merging.settle(job.pk, run.pk)
    FixJob.objects.filter(pk=job.pk).update(state=FixState.AWAITING_VERIFICATION)  # as if redelivered early

    merging.settle(job.pk, run.pk)

    assert len(mr.merges) == 1
    assert len(mr.notes) == 1
