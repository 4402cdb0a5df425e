"""CircleCI's events, from real payloads: a completed job ends its job, a completed workflow its run."""

from __future__ import annotations

import pytest
from django_q.models import Success

from hub.runs.models import Job, Run
from hub.webhooks.models import Delivery, DeliveryStatus
from tests.hub.webhooks.conftest import corpus_json, project_with_secret

pytestmark = pytest.mark.django_db

JOB = "circleci/zulip/github_job_completed.json"
WORKFLOW = "circleci/zulip/github_workflow_completed.json"


@pytest.fixture
def zulip(db):
    return project_with_secret("zulip-testing/circleci-webhook-test", "circleci")


def test_a_completed_job_creates_its_run_in_progress_and_the_job_completed(sender, zulip, run_tasks):
    sender.circleci(corpus_json(JOB))

    job = Job.objects.select_related("run").get()
    assert (job.name, job.status, job.conclusion) == ("build-and-test", "completed", "success")
    assert job.provider_job_id == "bc772f25-9fd4-49f3-a3b8-d5a0cb5a2ab6"
    assert job.url.endswith("/workflows/7381218b-d04c-4aa3-b8b8-8c00a9319d1f/jobs/6")
    run = job.run
    assert (run.provider, run.provider_run_id, run.attempt, run.status) == (
        "circleci",
        "7381218b-d04c-4aa3-b8b8-8c00a9319d1f",
        1,
        "in_progress",
    )
    assert (run.branch, run.commit_sha, run.run_number) == (
        "main",
        "a5e30a908224e46626a796d058289475f6d387b5",
        "4",
    )


def test_a_completed_workflow_completes_its_run(sender, zulip, run_tasks):
    sender.circleci(corpus_json(JOB))
    sender.circleci(corpus_json(WORKFLOW))

    run = Run.objects.get()
    assert (run.status, run.conclusion, run.workflow) == ("completed", "success", "sample")
    assert run.finished_at.isoformat() == "2022-09-20T12:54:38.599000+00:00"


def test_a_workflow_that_completes_while_failing_ends_failed(sender, zulip, run_tasks):
    payload = corpus_json(WORKFLOW)
    payload["workflow"]["status"] = "failing"
    sender.circleci(payload)
    assert Run.objects.values_list("status", "conclusion").get() == ("completed", "failure")


def test_a_failed_circleci_job_is_handed_to_the_job_failed_task(sender, zulip, run_tasks):
    payload = corpus_json(JOB)
    payload["job"]["status"] = "failed"
    sender.circleci(payload)
    job = Job.objects.get()
    assert job.conclusion == "failure"
    assert Success.objects.filter(func="hub.webhooks.tasks.job_failed", args=(job.pk,)).exists()


def test_a_timed_out_circleci_job_concludes_timed_out(sender, zulip, run_tasks):
    payload = corpus_json(JOB)
    payload["job"]["status"] = "timedout"
    sender.circleci(payload)
    assert Job.objects.get().conclusion == "timed_out"


def test_a_circleci_ping_is_processed_with_the_hub_wide_secret(sender, db, settings, run_tasks):
    settings.CIRCLECI_WEBHOOK_SECRET = "org-wide"
    response = sender.circleci(corpus_json("circleci/zulip/ping.json"), secret="org-wide")
    assert response.status_code == 202
    assert Delivery.objects.get().status == DeliveryStatus.PROCESSED
