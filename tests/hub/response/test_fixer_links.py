"""The fix's pull request linked to its fix job, and the fix job settled: from GitHub's pull_request
webhook and GitLab's merge request hook (by branch, or by the commit trailer), by polling when the
webhook was lost, never for a fork; then the fix branch's run decides."""

from __future__ import annotations

import copy
from datetime import timedelta

import pytest
from django.utils import timezone

from hub.response.models import EffectState, FixJob, FixState
from hub.response.policy import store
from hub.response.services import fix_jobs, fixer_links
from tests.agent.fix.publish_fakes import github_pull
from tests.hub.api.factories import make_run
from tests.hub.operations.conftest import give_token
from tests.hub.response.conftest import completed
from tests.hub.response.fake_fixer import (
    FIX_RUN,
    REPO,
    ROUTED,
    fake_dispatch,
    pull_request_event,
    red_import_run,
    run_completed_event,
)
from tests.hub.webhooks.conftest import corpus_json, project_with_secret

pytestmark = pytest.mark.django_db


@pytest.fixture
def waiting(octo, octo_agent, sender, run_tasks, api) -> FixJob:
    """A fixer job whose workflow was dispatched and whose pull request is awaited."""
    store.save(octo, ROUTED)
    red_import_run(octo_agent, run_tasks)
    fake_dispatch(api)
    sender.github("workflow_run", completed("failure"))
    job = FixJob.objects.get(responder="fixer")
    assert job.state == FixState.AWAITING_VERIFICATION
    return job


def pull_requests(job: FixJob):
    return job.effects.filter(kind="pull_request")


def test_the_pull_request_webhook_links_the_fix_pull_request_to_its_job(waiting, sender) -> None:
    sender.github("pull_request", pull_request_event(12, f"orchestrate/fix-{waiting.pk}"))

    effect = pull_requests(waiting).get()
    assert (effect.state, effect.external_id) == (EffectState.DONE, "12")
    assert effect.external_url == "https://github.com/octo-org/octo-repo/pull/12"
    assert "pull request 12 opened by the fix workflow" in waiting.events.last().reason
    waiting.refresh_from_db()
    assert waiting.state == FixState.AWAITING_VERIFICATION


def test_a_redelivered_or_edited_pull_request_is_linked_once(waiting, sender) -> None:
    sender.github("pull_request", pull_request_event(12, f"orchestrate/fix-{waiting.pk}"))
    sender.github(
        "pull_request", pull_request_event(12, f"orchestrate/fix-{waiting.pk}", action="synchronize")
    )

    assert pull_requests(waiting).count() == 1
    assert waiting.events.filter(reason__contains="opened by the fix workflow").count() == 1


def test_a_fork_naming_its_branch_after_a_fix_job_is_not_linked(waiting, sender) -> None:
    sender.github("pull_request", pull_request_event(13, f"orchestrate/fix-{waiting.pk}", fork=True))

    assert not pull_requests(waiting).exists()


def test_a_pull_request_from_another_branch_is_left_alone(waiting, sender) -> None:
    sender.github("pull_request", pull_request_event(14, "feature/fix-typo"))

    assert not pull_requests(waiting).exists()


def test_the_poll_links_a_pull_request_whose_webhook_was_lost(waiting, api) -> None:
    api.get(f"{REPO}/pulls", json=[github_pull(12, f"orchestrate/fix-{waiting.pk}", "main")])

    assert fixer_links.poll() == 1
    assert fixer_links.poll() == 0  # linked: not asked about again

    assert pull_requests(waiting).get().external_id == "12"
    [asked] = [c.request for c in api.calls if c.request.url.startswith(f"{REPO}/pulls?")]
    assert f"head=octo-org%3Aorchestrate%2Ffix-{waiting.pk}" in asked.url


def test_the_poll_fails_a_job_whose_pull_request_never_came(waiting, api, settings) -> None:
    api.get(f"{REPO}/pulls", json=[])

    fixer_links.poll(now=timezone.now() + timedelta(hours=settings.FIXER_PULL_REQUEST_HOURS - 1))
    waiting.refresh_from_db()
    assert waiting.state == FixState.AWAITING_VERIFICATION

    fixer_links.poll(now=timezone.now() + timedelta(hours=settings.FIXER_PULL_REQUEST_HOURS + 1))
    waiting.refresh_from_db()
    assert waiting.state == FixState.FAILED
    assert f"no pull request came from orchestrate/fix-{waiting.pk}" in waiting.events.last().reason


def test_the_fix_branchs_run_passing_settles_the_job_as_succeeded(waiting, sender) -> None:
    sender.github("pull_request", pull_request_event(12, f"orchestrate/fix-{waiting.pk}"))

    sender.github("workflow_run", run_completed_event(555, f"orchestrate/fix-{waiting.pk}", "success"))

    waiting.refresh_from_db()
    assert waiting.state == FixState.SUCCEEDED
    assert f"the fix's run on orchestrate/fix-{waiting.pk} passed" == waiting.events.last().reason
    assert FixJob.objects.filter(responder="fixer").count() == 1  # a fix's branch is never fixed again


def test_the_fix_branchs_run_failing_after_the_last_round_fails_the_job(waiting, sender) -> None:
    store.save(waiting.project, {**ROUTED, "fixer": {"max_rounds": 1}})

    sender.github("workflow_run", run_completed_event(556, f"orchestrate/fix-{waiting.pk}", "failure"))

    waiting.refresh_from_db()
    assert waiting.state == FixState.FAILED


def test_the_fix_workflows_own_run_ending_red_without_a_pull_request_fails_the_job(waiting, sender) -> None:
    sender.github("workflow_run", run_completed_event(FIX_RUN, "main", "failure"))

    waiting.refresh_from_db()
    assert waiting.state == FixState.FAILED
    assert (
        f"the fix workflow's run {FIX_RUN} ended failure without a pull request"
        == waiting.events.last().reason
    )
    assert FixJob.objects.filter(responder="fixer").count() == 1  # its own run is not sent to the fixer


@pytest.fixture
def gitlab_job(db) -> FixJob:
    """A GitLab project's fixer job awaiting its merge request (the project of the corpus's hook)."""
    project = project_with_secret("gitlabhq/gitlab-test", "gitlab")
    give_token(project, "glpat-for-tests")
    run = make_run(project, conclusion="failure")
    job = fix_jobs.open_job(project.pk, "fixer", f"fixer:{run.provider_run_id}:1", "routed", run=run)
    FixJob.objects.filter(pk=job.pk).update(state=FixState.AWAITING_VERIFICATION)
    return job


def merge_request_hook(message: str, *, branch: str = "ms-viewport", source_project: int = 14) -> dict:
    payload = copy.deepcopy(corpus_json("gitlab/go-gitlab/merge_request.json"))
    payload["object_attributes"]["last_commit"]["message"] = message
    payload["object_attributes"].update(source_branch=branch, source_project_id=source_project)
    return payload


def test_a_gitlab_merge_request_is_linked_by_its_commits_trailer(gitlab_job, sender, run_tasks) -> None:
    message = f"Format app.py\n\nMade by orchestrate fix.\n\nOrchestrate-Fix-Job: {gitlab_job.pk}\n"

    sender.gitlab("Merge Request Hook", merge_request_hook(message))

    effect = pull_requests(gitlab_job).get()
    assert (effect.external_id, effect.external_url) == ("1", "http://example.com/diaspora/merge_requests/1")


def test_a_gitlab_merge_request_from_a_fork_is_not_linked(gitlab_job, sender, run_tasks) -> None:
    message = f"Format\n\nOrchestrate-Fix-Job: {gitlab_job.pk}\n"

    sender.gitlab("Merge Request Hook", merge_request_hook(message, source_project=99))

    assert not pull_requests(gitlab_job).exists()


def test_the_pull_request_orchestrate_fix_publishes_is_the_one_linked_to_its_job(
    waiting, sender, api, tmp_path
) -> None:
    """publish() (a real git repository and remote; GitHub faked) and the hub agree on the branch."""
    from agent.fix.publish import publish
    from tests.agent.fix.publish_fakes import FakeGitHub, bare_remote, fix_work_tree, work_tree

    remote = bare_remote(tmp_path)
    tree = work_tree(tmp_path, remote=remote)
    github = FakeGitHub(remote=remote).install(api)
    fix_work_tree(tree)
    env = {"ORCHESTRATE_CI_PROVIDER": "github", "ORCHESTRATE_REPO": "octo-org/octo-repo", "GITHUB_TOKEN": "t"}
    published = publish(tree, title="Add PyYAML", body="The import of yaml failed.", fix_job=str(waiting.pk),
                        run_url=waiting.run.url or None, env=env)  # fmt: skip
    event = pull_request_event(1, published["branch"])
    event["pull_request"] = github.pulls[0]

    sender.github("pull_request", event)

    assert pull_requests(waiting).get().external_url == published["pull_request_url"]
