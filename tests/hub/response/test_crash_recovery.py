"""A worker killed between the CI's answer and the record of it, or an answer that never came, never
makes a second re-run: the next attempt asks the CI whether a re-run began first (GitHub: a newer
attempt; GitLab: the pipeline running again, or jobs created since the request; CircleCI: a newer
workflow), and a CI that cannot tell is never asked twice."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from hub.projects.models import Project
from hub.response.models import EffectState, FixJob, FixState
from hub.response.services import fix_jobs
from tests.agent.providers.circleci_api import (
    API as CIRCLECI,
)
from tests.agent.providers.circleci_api import (
    PIPELINE_ID,
    RERUN_ID,
    SLUG,
    page,
    pipeline_body,
    workflow_body,
)
from tests.hub.operations.conftest import corpus_api
from tests.hub.response.conftest import RERUN_PATH, RUN_ID, fake_rerun, github_shows, rerun_requests

GITLAB = "https://gitlab.com/api/v4/projects/octo-org%2Focto-repo"


def gitlab_pipeline(**changes) -> dict:
    return corpus_api("gitlab/gitlab4j/pipeline.json") | {"id": RUN_ID, **changes}


def gitlab_job(**changes) -> dict:
    return corpus_api("gitlab/gitlab4j/job.json") | {"status": "failed", **changes}


pytestmark = pytest.mark.django_db


class WorkerKilled(BaseException):
    """What a SIGKILL looks like from inside: nothing after it runs, no ``except Exception`` sees it."""


def killed_after_sending(request):
    raise WorkerKilled


def backoff_over(job: FixJob) -> None:
    FixJob.objects.filter(pk=job.pk).update(next_attempt_at=timezone.now())


def kill_mid_call(job: FixJob, api) -> None:
    api.add_callback("POST", RERUN_PATH, callback=killed_after_sending)
    with pytest.raises(WorkerKilled):
        fix_jobs.perform(job.pk)
    job.refresh_from_db()
    assert (job.state, job.effects.get().state) == (FixState.RUNNING, EffectState.INTENDED)
    api.remove("POST", RERUN_PATH)
    fix_jobs.resume(now=timezone.now() + fix_jobs.lease() + timedelta(seconds=1))  # the lease runs out
    job.refresh_from_db()
    assert (job.state, job.attempts) == (FixState.PENDING, 1)
    backoff_over(job)


def test_a_worker_killed_after_the_request_adopts_the_attempt_github_shows_instead_of_asking_again(
    opened, api
):
    kill_mid_call(opened, api)
    github_shows(api, attempt=2)

    fix_jobs.resume()

    opened.refresh_from_db()
    effect = opened.effects.get()
    assert opened.state == FixState.AWAITING_VERIFICATION
    assert (effect.state, effect.detail["adopted_after_check"]) == (EffectState.DONE, True)
    assert rerun_requests(api) == 1  # the killed worker's only


def test_a_request_github_never_received_is_made_again_once_github_shows_no_new_attempt(opened, api):
    kill_mid_call(opened, api)
    github_shows(api, attempt=1)  # the check: still the first attempt
    fake_rerun(api, attempt=2)

    fix_jobs.resume()

    opened.refresh_from_db()
    assert opened.state == FixState.AWAITING_VERIFICATION
    assert rerun_requests(api) == 2


def test_when_github_cannot_be_asked_the_effect_stays_unsettled_and_nothing_is_requested(opened, api):
    kill_mid_call(opened, api)
    github_shows(api, attempt=1, status=500)

    fix_jobs.resume()

    opened.refresh_from_db()
    assert (opened.state, opened.attempts) == (FixState.PENDING, 2)
    assert opened.effects.get().state == EffectState.INTENDED
    assert rerun_requests(api) == 1


def test_a_server_error_on_the_request_leaves_the_effect_unknown_and_the_retry_checks_first(opened, api):
    api.post(RERUN_PATH, status=502, json={"message": "Bad gateway"})
    fix_jobs.perform(opened.pk)
    opened.refresh_from_db()
    assert (opened.state, opened.effects.get().state) == (FixState.PENDING, EffectState.UNKNOWN)
    api.remove("POST", RERUN_PATH)
    github_shows(api, attempt=2)  # GitHub did start it
    backoff_over(opened)

    fix_jobs.perform(opened.pk)

    opened.refresh_from_db()
    assert opened.state == FixState.AWAITING_VERIFICATION
    assert rerun_requests(api) == 1


def on(job: FixJob, provider: str, **settings) -> None:
    """The job's project moves to another CI (its run id, token and fix job unchanged)."""
    Project.objects.filter(pk=job.project_id).update(provider=provider, **settings)


def test_a_gitlab_pipeline_running_again_after_a_crash_is_adopted_instead_of_retried(opened, api):
    kill_mid_call(opened, api)
    on(opened, "gitlab")
    api.get(f"{GITLAB}/pipelines/{RUN_ID}", json=gitlab_pipeline(status="running"))

    fix_jobs.resume()

    opened.refresh_from_db()
    assert opened.state == FixState.AWAITING_VERIFICATION
    assert opened.effects.get().detail["adopted_after_check"] is True
    assert not [call for call in api.calls if call.request.method == "POST" and GITLAB in call.request.url]


def test_a_gitlab_pipeline_whose_jobs_all_predate_the_request_is_retried_after_a_crash(opened, api):
    kill_mid_call(opened, api)
    on(opened, "gitlab")
    api.get(f"{GITLAB}/pipelines/{RUN_ID}", json=gitlab_pipeline(status="failed"))
    api.get(f"{GITLAB}/pipelines/{RUN_ID}/jobs", json=[gitlab_job(created_at="2016-08-11T11:28:40Z")])
    api.get(f"{GITLAB}/pipelines/{RUN_ID}/bridges", json=[])
    api.post(f"{GITLAB}/pipelines/{RUN_ID}/retry", status=201, json=gitlab_pipeline(status="pending"))

    fix_jobs.resume()

    opened.refresh_from_db()
    assert opened.state == FixState.AWAITING_VERIFICATION
    assert [c.request.url for c in api.calls if c.request.method == "POST" and GITLAB in c.request.url] == [
        f"{GITLAB}/pipelines/{RUN_ID}/retry"
    ]


def test_a_circleci_pipeline_with_a_workflow_created_after_the_request_is_adopted(opened, api):
    kill_mid_call(opened, api)
    on(opened, "circleci")
    api.get(f"{CIRCLECI}/project/{SLUG}/pipeline/{RUN_ID}", json=pipeline_body())
    later = (timezone.now() + timedelta(seconds=5)).isoformat()
    api.get(
        f"{CIRCLECI}/pipeline/{PIPELINE_ID}/workflow",
        json=page(
            workflow_body(status="failed"), workflow_body(RERUN_ID, status="running", created_at=later)
        ),
    )

    fix_jobs.resume()

    opened.refresh_from_db()
    assert opened.state == FixState.AWAITING_VERIFICATION
    assert opened.effects.get().detail["adopted_after_check"] is True
    assert not [call for call in api.calls if call.request.method == "POST" and CIRCLECI in call.request.url]


def test_on_a_ci_that_cannot_show_a_re_run_an_unsettled_request_is_never_repeated(opened, api):
    kill_mid_call(opened, api)
    on(
        opened,
        "custom",
        settings={"provider_config": {"retry_failed_url": "https://ci.example/retry/{run_id}"}},
    )

    fix_jobs.resume()

    opened.refresh_from_db()
    assert opened.state == FixState.FAILED
    assert "cannot show whether a re-run began, so it is not asked again" in opened.events.last().reason
    assert len(api.calls) == 1  # the killed worker's request to GitHub, and nothing since
