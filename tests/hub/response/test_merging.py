"""The merge decision acted on, from the fix branch's completed run (a signed workflow_run webhook) to
GitHub's merge API, faked at the HTTP boundary: a fix that passes every rule is merged with the head SHA
it was decided on and its branch deleted, with one comment; a head that moved is not merged; a new failure
asks a person and fails the job with the reasons; with merging off in the policy nothing is merged; a
replayed delivery or task merges and comments once."""

from __future__ import annotations

from pathlib import Path as _Path

import pytest

if not (_Path(__file__).resolve().parents[3] / ".." / "shared" / "corpus").is_dir():
    pytest.skip("the shared corpus is not here; it lives beside the repository", allow_module_level=True)

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from hub.response.models import EffectState, FixJob, FixState
from hub.response.policy import store
from hub.response.services import merging
from hub.runs.models import Run
from tests.hub.conftest import case, report
from tests.hub.response.conftest import completed
from tests.hub.response.fake_fixer import (
    ROUTED,
    fake_dispatch,
    pull_request_event,
    red_import_run,
    run_completed_event,
)
from tests.hub.response.fake_merges import HEAD, FakePull

pytestmark = pytest.mark.django_db

MERGING = {"enabled": True, "allowed_paths": ["app/**", "tests/**"]}
FIX_RUN_ID = 555
GITLAB_CORPUS = (
    Path(__file__).resolve().parents[3] / ".." / "shared" / "corpus" / "api" / "gitlab" / "gitlab4j"
)


@pytest.fixture
def linked(octo, octo_agent, sender, run_tasks, api) -> FixJob:
    """A fixer job awaiting verification, its pull request 12 linked, merging on in the policy."""
    store.save(octo, {**ROUTED, "merge": MERGING})
    red_import_run(octo_agent, run_tasks)
    fake_dispatch(api)
    sender.github("workflow_run", completed("failure"))
    job = FixJob.objects.get(responder="fixer")
    sender.github("pull_request", pull_request_event(12, f"orchestrate/fix-{job.pk}"))
    assert job.state == FixState.AWAITING_VERIFICATION
    return job


@pytest.fixture
def pull(linked, api) -> FakePull:
    return FakePull(12, f"orchestrate/fix-{linked.pk}").install(api)


def fix_run_ends(sender, job: FixJob, conclusion: str = "success") -> None:
    sender.github("workflow_run", run_completed_event(FIX_RUN_ID, f"orchestrate/fix-{job.pk}", conclusion))


def decisions(job: FixJob) -> list[str]:
    return [e.reason for e in job.events.filter(reason__startswith="merge decision").order_by("pk")]


def test_a_fix_that_passes_every_rule_is_merged_with_its_head_sha_and_its_branch_deleted(
    linked, pull, sender
):
    fix_run_ends(sender, linked)

    assert pull.merges == [{"sha": HEAD, "merge_method": "merge"}]
    assert pull.deleted == [f"orchestrate/fix-{linked.pk}"]
    [comment] = pull.comments
    assert comment.startswith(f"Orchestrate merged this fix at {HEAD[:12]}: checks, new_failures, validate")
    linked.refresh_from_db()
    assert linked.state == FixState.SUCCEEDED
    assert linked.events.last().reason == f"merged pull request 12 at {HEAD[:12]}; its branch: deleted"
    rules = "checks, new_failures, validate, flaky_fix, paths, size, approvals"
    assert decisions(linked) == [f"merge decision: merge {HEAD[:12]}: {rules}"]
    merge = linked.effects.get(kind="merge")
    assert (merge.key, merge.state, merge.external_id) == (
        f"merge:merge:{linked.pk}:{HEAD}",
        EffectState.DONE,
        "f" * 40,
    )


def test_a_head_pushed_after_the_run_is_not_merged_and_the_job_waits(linked, pull, sender):
    pull.head = "d" * 40

    fix_run_ends(sender, linked)

    assert pull.merges == []
    assert pull.comments == []
    linked.refresh_from_db()
    assert linked.state == FixState.AWAITING_VERIFICATION
    [decision] = decisions(linked)
    assert decision.startswith(f"merge decision: wait: the head moved to {'d' * 12}")


def test_a_merge_github_refuses_as_stale_is_recorded_as_wait_and_not_retried_with_another_sha(
    linked, pull, sender
):
    pull.merge_status = 409

    fix_run_ends(sender, linked)

    assert pull.merges == [{"sha": HEAD, "merge_method": "merge"}]  # one try, with the decided SHA only
    assert pull.deleted == []
    assert pull.comments == []
    linked.refresh_from_db()
    assert linked.state == FixState.AWAITING_VERIFICATION
    assert decisions(linked)[-1].startswith(f"merge decision: wait: the head moved after {HEAD[:12]}")
    assert linked.effects.get(kind="merge").state == EffectState.FAILED


def test_a_fix_whose_run_is_red_after_its_last_round_is_not_merged_and_a_person_is_asked(
    linked, pull, sender, octo_agent, run_tasks
):
    store.save(linked.project, {**ROUTED, "merge": MERGING, "fixer": {"max_rounds": 1}})
    with run_tasks():
        octo_agent.post_report(report(
            case("test_loads_config"), case("test_sums", "failed", message="AssertionError: 2 != 3"),
            run_id=str(FIX_RUN_ID), sha=HEAD, branch=f"orchestrate/fix-{linked.pk}", job="build",
        ))  # fmt: skip

    fix_run_ends(sender, linked, "failure")

    assert pull.merges == []
    [comment] = pull.comments
    assert "a person decides" in comment
    assert "failing tests.test_widgets.test_sums" in comment.replace("::", ".")
    linked.refresh_from_db()
    assert linked.state == FixState.FAILED
    assert "(fixer.max_rounds); a person decides" in linked.events.last().reason


def test_a_change_outside_the_allowed_paths_asks_a_person_once(linked, pull, sender):
    pull.files = [("app/config.py", 1, 1), (".github/workflows/ci.yml", 2, 0)]

    fix_run_ends(sender, linked)
    fix_run_ends(sender, linked)  # delivered again

    assert pull.merges == []
    [comment] = pull.comments
    assert "changes outside merge.allowed_paths: .github/workflows/ci.yml" in comment
    linked.refresh_from_db()
    assert linked.state == FixState.SUCCEEDED  # the fix's run passed; a person merges it
    assert "not merged: changes outside merge.allowed_paths" in linked.events.last().reason


def test_validation_not_reported_on_the_head_makes_the_job_wait(linked, pull, sender):
    pull.validate = None

    fix_run_ends(sender, linked)

    assert pull.merges == []
    assert pull.comments == []
    assert decisions(linked) == ["merge decision: wait: orchestrate validate is missing on the head"]


def test_with_merging_off_in_the_policy_nothing_is_merged_and_the_run_settles_the_job(
    linked, pull, sender, api
):
    store.save(linked.project, ROUTED)

    fix_run_ends(sender, linked)

    assert pull.merges == []
    assert pull.comments == []
    assert not any("/files" in call.request.url for call in api.calls)
    linked.refresh_from_db()
    assert linked.state == FixState.SUCCEEDED
    assert linked.events.last().reason == f"the fix's run on orchestrate/fix-{linked.pk} passed"


def test_a_redelivered_run_merges_and_comments_once(linked, pull, sender):
    fix_run_ends(sender, linked)
    fix_run_ends(sender, linked)

    assert len(pull.merges) == 1
    assert len(pull.comments) == 1


def test_a_task_replayed_after_its_comment_failed_comments_once_and_does_not_merge_again(
    linked, pull, sender
):
    pull.comment_status = 403
    fix_run_ends(sender, linked)
    linked.refresh_from_db()
    assert linked.state == FixState.AWAITING_VERIFICATION  # merged, but not yet said so
    assert "merge decision not made" in linked.events.last().reason

    pull.comment_status = 201
    run = Run.objects.get(provider_run_id=str(FIX_RUN_ID))
    assert merging.settle(linked.pk, run.pk) == FixState.SUCCEEDED
    assert merging.settle(linked.pk, run.pk) == FixState.SUCCEEDED

    assert len(pull.merges) == 1
    [comment] = pull.comments
    assert comment.startswith(f"Orchestrate merged this fix at {HEAD[:12]}")


def test_a_job_another_worker_is_deciding_on_is_left_alone(linked, pull, sender, api):
    lease_end = timezone.now() + timedelta(minutes=5)
    FixJob.objects.filter(pk=linked.pk).update(claimed_until=lease_end)
    calls = len(api.calls)

    fix_run_ends(sender, linked)

    assert not any("/pulls/12" in call.request.url for call in api.calls[calls:])
    linked.refresh_from_db()
    assert (linked.state, linked.claimed_until) == (FixState.AWAITING_VERIFICATION, lease_end)
