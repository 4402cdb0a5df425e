"""A GitHub ``workflow_job`` webhook and the agent's report about the same job meet in one job, whichever
arrives first, when they share GitHub's numeric job id, even if they name the job differently (the webhook
by its display name, the agent by ``GITHUB_JOB`` or ``--job-name``)."""

from __future__ import annotations

import pytest
from django_q.models import Success

from hub.projects.models import AgentToken
from hub.runs.models import Job
from tests.hub.conftest import Agent, case, report
from tests.hub.webhooks.conftest import corpus_json

pytestmark = pytest.mark.django_db

# The corpus's in-progress job: id 289782451 of run 2202229078 (attempt 1), "Analyze (javascript)": a
# matrix cell of the CodeQL workflow's `analyze` job.
JOB_IN_PROGRESS = "github/workflow_job/in_progress.payload.json"
JOB_ID = "289782451"
DISPLAY_NAME = "Analyze (javascript)"
SHA = "3484a3fb816e0859fd6e1cea078d76385ff50625"


@pytest.fixture
def agent(hello_world) -> Agent:
    _, token = AgentToken.issue(project=hello_world, name="ci")
    return Agent(token)


def agent_report(job: dict) -> dict:
    doc = report(case("test_ok"), case("test_bad", status="failed"), run_id="2202229078", sha=SHA)
    doc["job"] = job
    return doc


def completed_failure() -> dict:
    """The in-progress payload as GitHub sends it when that job ends (status and conclusion changed)."""
    payload = corpus_json(JOB_IN_PROGRESS)
    payload["action"] = "completed"
    payload["workflow_job"].update(
        status="completed", conclusion="failure", completed_at="2021-09-13T02:25:13Z"
    )
    return payload


def test_a_report_after_the_webhook_meets_its_job_by_id_under_another_name(
    sender, hello_world, run_tasks, agent
):
    sender.github("workflow_job", corpus_json(JOB_IN_PROGRESS))

    response = agent.post_report(agent_report({"name": "analyze", "id": JOB_ID}))

    assert response.status_code == 201, response.content
    job = Job.objects.get()
    assert (job.name, job.provider_job_id, job.tests, job.failed) == (DISPLAY_NAME, JOB_ID, 2, 1)
    assert response.json()["job"]["id"] == job.pk


def test_a_webhook_after_the_report_meets_its_job_by_id_and_fills_what_the_agent_did_not_know(
    sender, hello_world, run_tasks, agent
):
    agent.post_report(agent_report({"name": "analyze", "id": JOB_ID}))
    payload = corpus_json(JOB_IN_PROGRESS)

    sender.github("workflow_job", payload)

    job = Job.objects.get()
    assert (job.name, job.provider_job_id, job.tests) == ("analyze", JOB_ID, 2)  # the first name stays
    assert job.url == payload["workflow_job"]["html_url"]
    assert job.started_at.isoformat() == "2021-09-13T02:21:13+00:00"


def test_a_report_named_as_github_shows_the_job_meets_the_webhook_in_either_order(
    sender, hello_world, run_tasks, agent
):
    agent.post_report(agent_report({"name": DISPLAY_NAME, "id": JOB_ID}))
    sender.github("workflow_job", completed_failure())

    job = Job.objects.get()
    assert (job.name, job.status, job.conclusion, job.tests) == (DISPLAY_NAME, "completed", "failure", 2)


def test_a_job_met_by_id_is_handed_to_the_job_failed_task_once(sender, hello_world, run_tasks, agent):
    agent.post_report(agent_report({"name": "analyze", "id": JOB_ID}))

    sender.github("workflow_job", completed_failure())
    sender.github("workflow_job", completed_failure())  # a second delivery of the same end

    job = Job.objects.get()
    assert job.name == "analyze"
    assert Success.objects.filter(func="hub.webhooks.tasks.job_failed", args=(job.pk,)).count() == 1


def test_without_a_job_id_a_report_under_another_name_is_a_job_of_its_own(
    sender, hello_world, run_tasks, agent
):
    sender.github("workflow_job", corpus_json(JOB_IN_PROGRESS))

    agent.post_report(agent_report({"name": "analyze"}))

    assert sorted(Job.objects.values_list("name", "provider_job_id")) == [
        (DISPLAY_NAME, JOB_ID),
        ("analyze", ""),
    ]
