"""The watch over a deployment beyond one health check, and its undoing beyond GitHub: a flapping service
tolerated for ``deploy.failures_to_undo`` failed checks in a row, a deployment run that never completes
undone after ``deploy.run_timeout_minutes``, and a failed deployment on GitLab reverted through a merge
request. GitHub and GitLab are faked at the HTTP boundary and the health endpoint is on loopback, as in
test_deployments."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from django.utils import timezone

from hub.projects.models import Project
from hub.response.models import Effect, EffectState, FixJob
from hub.response.policy import store
from hub.response.services import deployments
from hub.response.services.deployment_checks import judge, timed_out
from tests.agent.fix.publish_fakes import GL, FakeGitLab
from tests.hub.operations.conftest import give_token
from tests.hub.response.test_deployments import (  # noqa: F401  (fixtures)
    DEPLOY_RUN,
    deploy_policy,
    deployment_run_ends,
    health,
    linked,
    pull,
    repo,
    timeline,
)
from tests.hub.response.test_merging import fix_run_ends

pytestmark = pytest.mark.django_db


def test_failed_health_checks_undo_only_when_as_many_as_the_policy_says_fail_in_a_row(
    linked,  # noqa: F811
    pull,  # noqa: F811
    repo,  # noqa: F811
    health,  # noqa: F811
    sender,
):
    deploy_policy(linked, health, failures_to_undo=3)
    fix_run_ends(sender, linked)
    deployment_run_ends(sender, "success")

    health.status = 503
    assert deployments.watch() == 0  # one flap
    health.status = 200
    assert deployments.watch() == 0  # the count starts again
    health.status = 503
    assert deployments.watch() == 0
    assert deployments.watch() == 0
    assert repo.pulls == []
    assert deployments.watch() == 1  # the third in a row

    assert len(repo.pulls) == 1
    assert timeline(linked)[2:5] == [
        f"deployment health check failed (1 of 3 in a row undo it): {health.url} answered 503",
        "deployment health check passed again after 1 failed",
        f"deployment health check failed (1 of 3 in a row undo it): {health.url} answered 503",
    ]
    assert f"deployment failed: health check: {health.url} answered 503" in timeline(linked)


def test_a_deployment_run_that_never_completes_is_undone_after_its_timeout(
    linked,  # noqa: F811
    pull,  # noqa: F811
    repo,  # noqa: F811
    health,  # noqa: F811
    sender,
):
    deploy_policy(linked, health, run_timeout_minutes=30)
    fix_run_ends(sender, linked)

    assert deployments.watch(timezone.now() + timedelta(minutes=29)) == 0
    assert repo.pulls == []
    assert deployments.watch(timezone.now() + timedelta(minutes=31)) == 1
    deployment_run_ends(sender, "success")  # too late: the deployment was already undone

    assert len(repo.pulls) == 1
    assert health.checks == 0
    assert f"deployment failed: the deployment run {DEPLOY_RUN} did not complete within 30 min" in (
        timeline(linked)
    )
    assert Effect.objects.get(kind=deployments.KIND).detail["settled"] == "failed"


def test_a_run_timeout_of_zero_waits_for_ever(linked, pull, repo, health, sender):  # noqa: F811
    deploy_policy(linked, health, run_timeout_minutes=0)
    fix_run_ends(sender, linked)

    assert deployments.watch(timezone.now() + timedelta(days=30)) == 0
    assert repo.pulls == []


def test_a_check_counts_failures_in_a_row_and_a_pass_resets_them():
    assert judge(0, "503", 3) == (1, False)
    assert judge(2, "503", 3) == (3, True)
    assert judge(2, "", 3) == (0, False)
    assert judge(0, "503", 1) == (1, True)


def test_a_deployment_run_times_out_at_its_limit_and_never_with_zero():
    start = timezone.now()
    assert not timed_out(start, start + timedelta(minutes=59), 60)
    assert timed_out(start, start + timedelta(minutes=60), 60)
    assert not timed_out(start, start + timedelta(days=365), 0)


@pytest.mark.parametrize(
    ("deploy", "error"),
    [
        ({"failures_to_undo": 0}, "deploy.failures_to_undo: must be an integer >= 1"),
        ({"run_timeout_minutes": -1}, "deploy.run_timeout_minutes: must be an integer >= 0"),
    ],
)
def test_a_bad_watch_key_is_refused_naming_it(deploy, error):
    from hub.response.policy.schema import validate

    assert validate({"deploy": deploy}) == [error]


@dataclass
class RevertingGitLab(FakeGitLab):
    """FakeGitLab that also creates branches and reverts commits on them (what it was asked, in order)."""

    reverts: list[tuple[str, str]] = field(default_factory=list)

    def install(self, api) -> RevertingGitLab:
        super().install(api)
        api.add_callback("POST", f"{GL}/repository/branches", callback=self.create_branch)
        api.add_callback("POST", re.compile(re.escape(f"{GL}/repository/commits/") + ".+/revert"),
                         callback=self.revert)  # fmt: skip
        return self

    def create_branch(self, request) -> tuple[int, dict, str]:
        sent = json.loads(request.body)
        self.branches[sent["branch"]] = sent["ref"]
        return 201, {}, json.dumps({"name": sent["branch"], "commit": {"id": sent["ref"]}})

    def revert(self, request) -> tuple[int, dict, str]:
        sha = request.url.split("/repository/commits/", 1)[1].split("/", 1)[0]
        branch = json.loads(request.body)["branch"]
        self.reverts.append((sha, branch))
        self.branches[branch] = "e" * 40
        return 201, {}, json.dumps({"id": "e" * 40, "title": "Revert", "parent_ids": [sha]})


def failed_gitlab_deployment(api) -> tuple[FixJob, Effect, RevertingGitLab]:
    project = Project.objects.create(full_name="group/app", provider="gitlab", default_branch="main")
    give_token(project, "glpat-deploy")
    store.save(project, {"deploy": {"health_url": "https://app.example.com/healthz"}})
    job = FixJob.objects.create(project=project, responder="fixer", key="fixer:gitlab:1")
    merged = "f" * 40
    effect = Effect.objects.create(
        fix_job=job,
        key=f"{deployments.DEPLOY}{job.pk}:{merged}",
        kind=deployments.KIND,
        state=EffectState.DONE,
        detail={"merge_sha": merged, "base": "main", "ref": "main", "settled": "failed",
                "failure": "health check: https://app.example.com/healthz answered 503"},
    )  # fmt: skip
    return job, effect, RevertingGitLab(branches={"main": merged}).install(api)


def test_a_failed_deployment_on_gitlab_ends_in_one_revert_merge_request(api):
    job, effect, gitlab = failed_gitlab_deployment(api)

    done = deployments.roll_back(effect.pk)
    deployments.roll_back(effect.pk)  # a replayed task
    deployments.watch()  # and the next watch pass

    branch = f"orchestrate/revert-{job.pk}"
    assert gitlab.reverts == [("f" * 40, branch)]
    [request] = gitlab.merge_requests
    assert (request["source_branch"], request["target_branch"]) == (branch, "main")
    assert done == f"revert pull request {request['web_url']}"
    assert timeline(job)[-1] == f"deployment rollback: revert pull request 1 opened: {request['web_url']}"


def test_a_gitlab_revert_stopped_after_its_branch_is_finished_on_the_next_attempt(api):
    job, effect, gitlab = failed_gitlab_deployment(api)
    gitlab.branches[f"orchestrate/revert-{job.pk}"] = "f" * 40  # created at the merge, not reverted yet

    deployments.roll_back(effect.pk)

    assert gitlab.reverts == [("f" * 40, f"orchestrate/revert-{job.pk}")]
    assert len(gitlab.merge_requests) == 1
