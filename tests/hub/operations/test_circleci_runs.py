"""A CircleCI run the hub learnt from a webhook (known, like the agent and OIDC know it, by its workflow id)
can be reconciled, re-run and cancelled: the CircleCI client takes that workflow id as the run. The
webhooks are the corpus's real CircleCI deliveries; CircleCI's API answers are built from its API v2
schemas (``tests/agent/providers/circleci_api``), as the client's own tests build them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from responses import matchers

from hub.failures.models import JobFailure
from hub.operations.models import JobLog
from hub.operations.services import actions
from hub.operations.services.reconcile import reconcile
from hub.runs.models import Job, Run
from tests.agent.providers.circleci_api import API, job_body, page, pipeline_body, workflow_body
from tests.hub.operations.conftest import give_token
from tests.hub.webhooks.conftest import corpus_json, project_with_secret, run_tasks, sender  # noqa: F401

pytestmark = pytest.mark.django_db

# The ids in the corpus's deliveries (circleci/zulip/*.json).
WORKFLOW = "7381218b-d04c-4aa3-b8b8-8c00a9319d1f"
PIPELINE = "877c620f-900a-455b-ad51-1a772b5a3eab"
JOB_UUID = "bc772f25-9fd4-49f3-a3b8-d5a0cb5a2ab6"
RERUN = "0f7e4d66-0b38-4e7a-9d7b-5d3d2a1c9b10"
SLUG = "gh/zulip-testing/circleci-webhook-test"
V1_JOB = "https://circleci.com/api/v1.1/project/github/zulip-testing/circleci-webhook-test"
STEP_OUTPUT = "https://circle-production-action-output.s3.amazonaws.com/zulip/7/0"


@pytest.fixture
def zulip(db):
    project = project_with_secret("zulip-testing/circleci-webhook-test", "circleci")
    give_token(project, "circle-token-for-tests")
    return project


@pytest.fixture
def from_webhook(sender, zulip, run_tasks) -> Run:  # noqa: F811
    """The run as CircleCI's job-completed delivery leaves it: in progress, its job done."""
    sender.circleci(corpus_json("circleci/zulip/github_job_completed.json"))
    return Run.objects.get(project=zulip)


def circleci_says(api, status: str, jobs: list[dict] | None = None, workflow_id: str = WORKFLOW) -> None:
    """CircleCI's answers about the workflow: itself, its pipeline and its jobs."""
    workflow = workflow_body(
        workflow_id,
        name="sample",
        status=status,
        pipeline_id=PIPELINE,
        pipeline_number=4,
        project_slug=SLUG,
        created_at="2022-09-20T12:54:26.737Z",
        stopped_at=None if status in ("running", "failing") else "2022-09-20T12:56:00Z",
    )
    api.get(f"{API}/workflow/{workflow_id}", json=workflow)
    api.get(f"{API}/pipeline/{PIPELINE}", json=pipeline_body(id=PIPELINE, number=4, project_slug=SLUG))
    api.get(f"{API}/workflow/{workflow_id}/job", json=page(*(jobs or [])))


def test_a_stuck_circleci_run_is_reconciled_by_its_workflow_and_its_failed_jobs_log_read(
    from_webhook,
    api,
    run_tasks,  # noqa: F811
):
    Run.objects.filter(pk=from_webhook.pk).update(updated_at=timezone.now() - timedelta(hours=2))
    built = job_body(6, id=JOB_UUID, name="build-and-test", project_slug=SLUG)
    lint = job_body(7, id="5c1e0a3b-2d4f-4e6a-8b9c-0d1e2f3a4b5c", name="lint", status="failed")
    circleci_says(api, "failed", [built, lint])
    api.get(
        f"{V1_JOB}/7",
        json={"steps": [{"name": "Install", "actions": [{"index": 0, "output_url": STEP_OUTPUT}]}]},
    )
    api.get(STEP_OUTPUT, json=[{"message": "npm ERR! code ERESOLVE\n", "type": "out"}])

    with run_tasks():
        summary = reconcile()

    run = Run.objects.get(pk=from_webhook.pk)
    assert (summary.checked, summary.advanced, summary.failed) == (1, 1, 0)
    assert (run.status, run.conclusion, run.attempt) == ("completed", "failure", 1)
    failed = Job.objects.get(run=run, name="lint")
    assert failed.conclusion == "failure"
    assert failed.url.endswith(f"/4/workflows/{WORKFLOW}/jobs/7")  # the log is read by that number
    assert JobLog.objects.get(job=failed).state == "stored"
    assert JobFailure.objects.get(job=failed).category == "dependency"


def test_a_circleci_run_on_hold_stays_unfinished_with_its_approval_job_queued(from_webhook, api):
    Run.objects.filter(pk=from_webhook.pk).update(updated_at=timezone.now() - timedelta(hours=2))
    approval = job_body(
        None, id="5c1e0a3b-2d4f-4e6a-8b9c-0d1e2f3a4b5c", name="hold", status="on_hold", type="approval"
    )
    circleci_says(api, "on_hold", [approval])

    reconcile()

    run = Run.objects.get(pk=from_webhook.pk)
    assert (run.status, run.conclusion) == ("in_progress", "")
    assert Job.objects.values_list("status", "conclusion").get(run=run, name="hold") == ("queued", "")


def test_re_running_a_circleci_runs_failed_jobs_reruns_its_workflow_and_names_the_new_one(
    from_webhook, api, admin_user
):
    circleci_says(api, "failed")
    api.post(
        f"{API}/workflow/{WORKFLOW}/rerun",
        status=202,
        json={"workflow_id": RERUN},
        match=[matchers.json_params_matcher({"from_failed": True})],
    )
    circleci_says(api, "running", workflow_id=RERUN)

    action = actions.rerun(from_webhook, failed_only=True, user=admin_user, via="api")

    assert (action.outcome, action.result_run_id) == ("succeeded", RERUN), action.message
    assert action.message.endswith(f"run {RERUN} attempt 1 is in progress")
    assert action.result_url.endswith(f"/circleci-webhook-test/4/workflows/{RERUN}")


def test_re_running_one_job_of_a_circleci_run_sends_the_uuid_its_webhook_gave(from_webhook, api, admin_user):
    job = Job.objects.get(run=from_webhook)
    circleci_says(api, "success", [job_body(6, id=JOB_UUID, name="build-and-test")])
    api.post(
        f"{API}/workflow/{WORKFLOW}/rerun",
        status=202,
        json={"workflow_id": RERUN},
        match=[matchers.json_params_matcher({"jobs": [JOB_UUID]})],
    )
    circleci_says(api, "running", workflow_id=RERUN)

    action = actions.rerun(from_webhook, job=job, user=admin_user, via="api")

    assert (job.provider_job_id, action.outcome) == (JOB_UUID, "succeeded"), action.message


def test_cancelling_a_circleci_run_cancels_its_workflow(from_webhook, api, admin_user):
    circleci_says(api, "running")
    api.post(f"{API}/workflow/{WORKFLOW}/cancel", status=202, json={"message": "Accepted."})

    action = actions.cancel(from_webhook, user=admin_user, via="api")

    assert action.outcome == "succeeded", action.message
    assert [call.request.url for call in api.calls if call.request.method == "POST"] == [
        f"{API}/workflow/{WORKFLOW}/cancel"
    ]
