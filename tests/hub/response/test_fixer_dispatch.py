"""The fix workflow dispatched on every CI the hub drives, and never twice: a GitLab pipeline with the
inputs as variables, a CircleCI pipeline with them as parameters; after a worker dies mid-dispatch the
provider is asked first (GitHub shows the run titled for the job; elsewhere the dispatch is not
repeated)."""

from __future__ import annotations

from pathlib import Path as _Path

import pytest

if not (_Path(__file__).resolve().parents[3] / ".." / "shared" / "corpus").is_dir():
    pytest.skip("the shared corpus is not here; it lives beside the repository", allow_module_level=True)

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from hub.projects.models import Project
from hub.response.models import EffectState, FixJob, FixState
from hub.response.policy import store
from hub.response.services import fix_jobs
from tests.agent.fix.publish_fakes import github_pull
from tests.hub.api.factories import make_run
from tests.hub.operations.conftest import corpus_api, github_run, give_token
from tests.hub.response.fake_fixer import DISPATCH, REPO, ROUTED, dispatches

pytestmark = pytest.mark.django_db

GITLAB = "https://gitlab.com/api/v4/projects/group%2Fapp"
CIRCLECI = "https://circleci.com/api/v2/project/gh/octo-org/octo-repo/pipeline"


class WorkerKilled(BaseException):
    """What a SIGKILL looks like from inside: nothing after it runs."""


def fixer_job(provider: str, full_name: str, **run) -> FixJob:
    project = Project.objects.create(full_name=full_name, provider=provider)
    give_token(project, "token-for-tests")
    store.save(project, ROUTED)
    red = make_run(project, conclusion="failure", branch="develop", **run)
    return fix_jobs.open_job(project.pk, "fixer", f"fixer:{red.provider_run_id}:1", "routed", run=red)


def perform(job: FixJob) -> FixJob:
    fix_jobs.perform(job.pk)
    job.refresh_from_db()
    return job


def test_on_gitlab_the_fix_pipeline_starts_with_the_inputs_as_variables(api, settings) -> None:
    job = fixer_job("gitlab", "group/app")
    api.post(f"{GITLAB}/pipeline", status=201, json=corpus_api("gitlab/gitlab4j/pipeline.json") | {"id": 61})

    assert perform(job).state == FixState.AWAITING_VERIFICATION

    [call] = api.calls
    sent = json.loads(call.request.body)
    assert sent["ref"] == "develop"
    assert {v["key"]: v["value"] for v in sent["variables"]} == {
        "run": str(job.run_id), "fix_job": str(job.pk), "hub_url": settings.SITE_URL
    }  # fmt: skip
    assert job.effects.get().external_id == "61"


def test_on_circleci_the_fix_pipeline_starts_with_the_inputs_as_parameters(api) -> None:
    job = fixer_job("circleci", "gh/octo-org/octo-repo")
    created = {"id": "5034460f-c7c4-4c43-9457-de07e2029e7b", "number": 25, "state": "created"}
    api.post(CIRCLECI, status=201, json=created | {"created_at": "2026-12-07T16:00:00Z"})

    assert perform(job).state == FixState.AWAITING_VERIFICATION

    sent = json.loads(api.calls[0].request.body)
    assert sent["branch"] == "develop"
    assert sent["parameters"]["fix_job"] == job.pk  # typed: the config declares it an integer
    assert sent["parameters"]["run"] == job.run_id


def test_on_circleci_a_pull_request_run_is_refused_as_its_source_cannot_be_shown(api) -> None:
    job = fixer_job("circleci", "gh/octo-org/octo-repo", pull_request=4)

    assert perform(job).state == FixState.FAILED
    assert "cannot show is not from a fork" in job.events.last().reason
    assert len(api.calls) == 0


def kill_mid_dispatch(job: FixJob, api, url: str) -> None:
    def killed(request):
        raise WorkerKilled

    api.add_callback("POST", url, callback=killed)
    with pytest.raises(WorkerKilled):
        fix_jobs.perform(job.pk)
    api.remove("POST", url)
    assert job.effects.get().state == EffectState.INTENDED
    fix_jobs.resume(now=timezone.now() + fix_jobs.lease() + timedelta(seconds=1))
    FixJob.objects.filter(pk=job.pk).update(next_attempt_at=timezone.now())


def test_after_a_killed_dispatch_github_shows_the_run_titled_for_the_job_and_it_is_adopted(api) -> None:
    job = fixer_job("github", "octo-org/octo-repo")
    kill_mid_dispatch(job, api, DISPATCH)
    api.get(f"{REPO}/pulls", json=[])
    titled = github_run(30433650, display_title=f"Orchestrate fix job #{job.pk}", event="workflow_dispatch")
    others = github_run(30433651, display_title=f"Orchestrate fix job #{job.pk}0")
    api.get(
        f"{REPO}/actions/workflows/orchestrate-fix.yml/runs",
        json={"total_count": 2, "workflow_runs": [others, titled]},
    )

    assert perform(job).state == FixState.AWAITING_VERIFICATION

    effect = job.effects.get()
    assert (effect.external_id, effect.detail["adopted_after_check"]) == ("30433650", True)
    assert len(dispatches(api)) == 1  # the killed worker's only


def test_after_a_killed_dispatch_its_pull_request_shows_it_went(api) -> None:
    job = fixer_job("github", "octo-org/octo-repo")
    kill_mid_dispatch(job, api, DISPATCH)
    api.get(f"{REPO}/pulls", json=[github_pull(9, f"orchestrate/fix-{job.pk}", "develop")])

    assert perform(job).state == FixState.AWAITING_VERIFICATION
    assert len(dispatches(api)) == 1


def test_after_a_killed_dispatch_on_gitlab_it_is_not_sent_again(api) -> None:
    job = fixer_job("gitlab", "group/app")
    kill_mid_dispatch(job, api, f"{GITLAB}/pipeline")
    api.get(f"{GITLAB}/merge_requests", json=[])

    assert perform(job).state == FixState.FAILED
    assert "it is not sent again" in job.events.last().reason
    assert [c.request.method for c in api.calls].count("POST") == 1
