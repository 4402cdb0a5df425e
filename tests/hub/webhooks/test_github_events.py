"""GitHub's events, from real payloads, create runs and jobs and move them forward; pull requests and
pushes are noted on the runs of their commit; an agent report and a webhook meet in one run."""

from __future__ import annotations

import logging

import pytest
from django_q.models import Success

from hub.projects.models import AgentToken
from hub.runs.models import Job, Run
from hub.webhooks.models import Delivery, DeliveryStatus
from tests.hub.api.factories import make_run
from tests.hub.conftest import Agent, case, report
from tests.hub.webhooks.conftest import corpus_json

pytestmark = pytest.mark.django_db

RUN_REQUESTED = "github/workflow_run/requested.payload.json"
RUN_COMPLETED = "github/workflow_run/completed.with-pull-requests.payload.json"
JOB_QUEUED = "github/workflow_job/queued.payload.json"
JOB_FAILED = "github/workflow_job/completed.failure.with-organization.payload.json"
JOB_IN_PROGRESS = "github/workflow_job/in_progress.payload.json"


def for_repository(payload: dict, full_name: str) -> dict:
    """The corpus mixes repositories inside one payload; the hub goes by ``repository.full_name``."""
    payload["repository"]["full_name"] = full_name
    return payload


def test_a_requested_workflow_run_creates_a_queued_run(sender, octo, run_tasks):
    sender.github("workflow_run", corpus_json(RUN_REQUESTED))

    run = Run.objects.get()
    assert (run.project, run.provider_run_id, run.attempt, run.status) == (octo, "289782451", 1, "queued")
    assert run.commit_sha == "3484a3fb816e0859fd6e1cea078d76385ff50625"
    assert run.branch == "master"
    assert run.run_number == "163"
    assert run.event == "repository_dispatch"
    assert run.url == "https://github.com/octo-org/octo-repo/actions/runs/289782451"
    assert Delivery.objects.get().status == DeliveryStatus.PROCESSED


def test_a_completed_workflow_run_completes_the_run_with_its_conclusion_and_pull_request(
    sender, octo, run_tasks
):
    sender.github("workflow_run", corpus_json(RUN_REQUESTED))
    sender.github("workflow_run", corpus_json(RUN_COMPLETED))

    run = Run.objects.get()
    assert (run.status, run.conclusion) == ("completed", "success")
    assert (run.pull_request, run.base_branch) == (2, "master")
    assert run.started_at.isoformat() == "2020-10-05T16:33:49+00:00"


def test_a_late_in_progress_event_never_reopens_a_completed_run(sender, octo, run_tasks):
    sender.github("workflow_run", corpus_json(RUN_COMPLETED))
    late = corpus_json(RUN_REQUESTED)
    late["action"], late["workflow_run"]["status"] = "in_progress", "in_progress"
    sender.github("workflow_run", late)

    run = Run.objects.get()
    assert (run.status, run.conclusion) == ("completed", "success")


def test_a_run_waiting_for_approval_stays_queued_until_it_runs_and_ends(sender, octo, run_tasks):
    waiting = corpus_json(RUN_COMPLETED)
    waiting["workflow_run"]["conclusion"] = "action_required"
    sender.github("workflow_run", waiting)
    assert Run.objects.values_list("status", "conclusion").get() == ("queued", "")

    sender.github("workflow_run", corpus_json(RUN_COMPLETED))  # approved, the same run went on and passed
    assert Run.objects.values_list("status", "conclusion").get() == ("completed", "success")


def test_a_run_github_closed_as_stale_ends_cancelled(sender, octo, run_tasks):
    stale = corpus_json(RUN_COMPLETED)
    stale["workflow_run"]["conclusion"] = "stale"
    sender.github("workflow_run", stale)
    assert Run.objects.values_list("status", "conclusion").get() == ("completed", "cancelled")


def test_a_re_run_is_a_run_of_its_own_attempt(sender, octo, run_tasks):
    sender.github("workflow_run", corpus_json(RUN_COMPLETED))
    again = corpus_json(RUN_REQUESTED)
    again["workflow_run"]["run_attempt"] = 2
    sender.github("workflow_run", again)

    assert sorted(Run.objects.values_list("attempt", "status")) == [(1, "completed"), (2, "queued")]


def test_a_queued_job_creates_its_run_and_job(sender, hello_world, run_tasks):
    sender.github("workflow_job", corpus_json(JOB_QUEUED))

    job = Job.objects.select_related("run").get()
    assert (job.name, job.status, job.provider_job_id) == ("update", "queued", "289782451")
    assert (job.run.provider_run_id, job.run.status, job.run.workflow) == ("2202229078", "queued", "CodeQL")


def test_a_failed_job_completes_with_its_conclusion_and_times(sender, hello_world, run_tasks):
    sender.github("workflow_job", corpus_json(JOB_FAILED))

    job = Job.objects.select_related("run").get()
    assert (job.name, job.status, job.conclusion) == ("linters", "completed", "failure")
    assert job.started_at.isoformat() == "2021-08-05T10:34:58+00:00"
    assert job.finished_at.isoformat() == "2021-08-05T10:38:16+00:00"
    assert job.run.status == "in_progress"  # the run ends with its own workflow_run event


def test_a_failed_job_is_handed_to_the_job_failed_task_once(sender, hello_world, run_tasks, caplog):
    with caplog.at_level(logging.INFO, logger="hub.webhooks.tasks"):
        sender.github("workflow_job", corpus_json(JOB_FAILED))
        sender.github("workflow_job", corpus_json(JOB_FAILED))  # a second delivery of the same end

    job = Job.objects.get()
    assert Success.objects.filter(func="hub.webhooks.tasks.job_failed", args=(job.pk,)).count() == 1
    assert f"job {job.pk} failed" in caplog.text


def test_a_successful_job_is_not_handed_to_the_job_failed_task(sender, hello_world, run_tasks):
    sender.github(
        "workflow_job",
        for_repository(
            corpus_json("github/workflow_job/completed.success.with-organization.payload.json"),
            "Codertocat/Hello-World",
        ),
    )
    assert Job.objects.get().conclusion == "success"
    assert not Success.objects.filter(func="hub.webhooks.tasks.job_failed").exists()


def test_a_late_in_progress_job_event_never_reopens_a_completed_job(sender, hello_world, run_tasks):
    sender.github("workflow_job", corpus_json(JOB_FAILED))
    late = corpus_json(JOB_QUEUED)
    late["workflow_job"].update(name="linters", status="in_progress")
    sender.github("workflow_job", late)

    job = Job.objects.get()
    assert (job.status, job.conclusion) == ("completed", "failure")


def test_an_agent_report_and_webhooks_for_the_same_run_meet_in_one_run(sender, octo, run_tasks):
    _, token = AgentToken.issue(project=octo, name="ci")
    sender.github("workflow_run", corpus_json(RUN_REQUESTED))

    doc = report(case("test_ok"), run_id="289782451", attempt=1, job="build", sha="3484a3fb" + "0" * 32)
    response = Agent(token).post_report(doc)
    assert response.status_code == 201, response.content
    sender.github("workflow_run", corpus_json(RUN_COMPLETED))

    run = Run.objects.get()
    assert (run.status, run.conclusion, run.tests, run.passed) == ("completed", "success", 1, 1)
    assert run.commit_sha == "3484a3fb816e0859fd6e1cea078d76385ff50625"  # the webhook knew it first
    assert list(run.jobs.values_list("name", flat=True)) == ["build"]


def test_a_webhook_after_the_agent_reported_fills_what_the_agent_did_not_know(sender, octo, run_tasks):
    _, token = AgentToken.issue(project=octo, name="ci")
    doc = report(case("test_ok"), run_id="289782451", attempt=1, job="build", branch="master")
    Agent(token).post_report(doc)
    sender.github("workflow_run", corpus_json(RUN_COMPLETED))

    run = Run.objects.get()
    assert (run.status, run.conclusion, run.run_number, run.pull_request) == (
        "completed",
        "success",
        "163",
        2,
    )
    assert run.commit_sha == "a" * 40  # the agent's value stands: fields fill blanks, never overwrite


def test_a_pull_request_is_noted_on_runs_of_its_head_commit(sender, hello_world, run_tasks):
    head = make_run(hello_world, commit_sha="ec26c3e57ca3a959ca5aad62de7213c562f8c821", branch="")
    other = make_run(hello_world)

    sender.github("pull_request", corpus_json("github/pull_request/opened.payload.json"))

    head.refresh_from_db()
    other.refresh_from_db()
    assert (head.pull_request, head.base_branch, head.branch) == (2, "master", "changes")
    assert other.pull_request is None


def test_a_closed_pull_request_changes_no_run(sender, hello_world, run_tasks):
    head = make_run(hello_world, commit_sha="ec26c3e57ca3a959ca5aad62de7213c562f8c821")
    sender.github("pull_request", corpus_json("github/pull_request/closed.payload.json"))
    head.refresh_from_db()
    assert head.pull_request is None
    assert Delivery.objects.get().status == DeliveryStatus.IGNORED


def test_a_check_suite_notes_its_pull_request_on_runs_of_its_head_commit(sender, hello_world, run_tasks):
    head = make_run(hello_world, commit_sha="ec26c3e57ca3a959ca5aad62de7213c562f8c821")
    sender.github("check_suite", corpus_json("github/check_suite/completed.payload.json"))
    head.refresh_from_db()
    assert (head.pull_request, head.base_branch) == (2, "master")


def test_a_push_to_a_branch_names_the_branch_of_runs_of_its_commit(sender, hello_world, run_tasks):
    payload = corpus_json("github/push/with-new-branch.payload.json")
    run = make_run(hello_world, commit_sha=payload["after"], branch="")
    sender.github("push", payload)
    run.refresh_from_db()
    assert run.branch == payload["ref"].removeprefix("refs/heads/")


def test_a_ping_is_processed_and_changes_nothing(sender, hello_world, run_tasks):
    sender.github("ping", for_repository(corpus_json("github/ping/payload.json"), "Codertocat/Hello-World"))
    assert Delivery.objects.get().status == DeliveryStatus.PROCESSED
    assert not Run.objects.exists()


def test_a_delivery_for_a_repository_the_hub_does_not_know_is_ignored(sender, db, settings, run_tasks):
    settings.GITHUB_WEBHOOK_SECRET = "org-wide"
    sender.github("workflow_run", corpus_json(RUN_COMPLETED), secret="org-wide")
    delivery = Delivery.objects.get()
    assert (delivery.project, delivery.status) == (None, DeliveryStatus.IGNORED)
    assert not Run.objects.exists()
