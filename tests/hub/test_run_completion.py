"""Runs reported only by the agent reach a conclusion: once every job said it finished and nothing has
arrived for ``RUN_IDLE_COMPLETE_SECONDS``, the idle sweep completes the run, concluded from its jobs'
results; runs a provider describes are left to the provider; completing a run announces ``run.completed``
once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django_q.models import Schedule

from hub.outbox.models import OwedWork
from hub.runs.models import Job, Run, RunStatus
from hub.runs.schedules import IDLE_SWEEP, ensure_schedules
from hub.runs.services.completion import complete_idle_runs
from hub.runs.services.ingest import RUN_COMPLETED
from hub.runs.services.state import conclude_run
from hub.webhooks.services.record import record
from tests.hub.conftest import case, report

pytestmark = pytest.mark.django_db

IDLE = 1800


@pytest.fixture(autouse=True)
def _idle_time(settings):
    settings.RUN_IDLE_COMPLETE_SECONDS = IDLE


def finished(*cases, job="test", **run) -> dict:
    """A report whose job says it has finished (``orchestrate report --job-finished``)."""
    document = report(*cases, job=job, **run)
    document["job"]["status"] = "completed"
    return document


def sweep(after: int = IDLE + 1) -> int:
    """A pass of the sweep ``after`` seconds from now."""
    return complete_idle_runs(now=timezone.now() + timedelta(seconds=after))


def announced() -> list[int]:
    """The run ids ``run.completed`` was announced for (the work it owes the apps above, one per run)."""
    return sorted(set(OwedWork.objects.filter(topic=RUN_COMPLETED).values_list("subject_id", flat=True)))


def test_a_run_whose_jobs_finished_completes_as_a_success_once_nothing_arrives(agent):
    agent.post_report(finished(case("test_a"), job="unit"))
    agent.post_report(finished(case("test_b"), job="lint"))

    assert sweep() == 1

    run = Run.objects.get()
    assert (run.status, run.conclusion) == (RunStatus.COMPLETED, "success")
    assert run.finished_at is not None
    assert set(Job.objects.values_list("conclusion", flat=True)) == {"success"}


def test_a_test_that_failed_makes_its_job_and_the_run_a_failure(agent):
    agent.post_report(finished(case("test_a"), job="unit"))
    agent.post_report(finished(case("test_b", status="failed", message="boom"), job="integration"))

    sweep()

    run = Run.objects.get()
    assert (run.status, run.conclusion) == (RunStatus.COMPLETED, "failure")
    assert dict(Job.objects.values_list("name", "conclusion")) == {
        "unit": "success",
        "integration": "failure",
    }


def test_an_errored_test_fails_the_run_too(agent):
    agent.post_report(finished(case("test_a", status="error", message="no database")))

    sweep()

    assert Run.objects.get().conclusion == "failure"


def test_it_waits_while_a_job_has_not_said_it_finished(agent):
    agent.post_report(finished(case("test_a"), job="unit"))
    agent.post_report(report(case("test_b"), job="integration"))

    assert sweep() == 0
    assert Run.objects.get().status == RunStatus.IN_PROGRESS


def test_it_waits_until_nothing_has_arrived_for_the_idle_time(agent):
    agent.post_report(finished(case("test_a")))

    assert sweep(after=IDLE - 60) == 0
    assert Run.objects.get().status == RunStatus.IN_PROGRESS


def test_a_run_a_provider_described_is_left_to_the_provider(agent, project):
    record(project, {"provider": "github", "provider_run_id": "1001", "attempt": 1, "status": "in_progress"})
    agent.post_report(finished(case("test_a")))

    assert sweep() == 0
    assert Run.objects.get().status == RunStatus.IN_PROGRESS


def test_an_idle_time_of_zero_leaves_such_runs_in_progress(agent, settings):
    agent.post_report(finished(case("test_a")))
    settings.RUN_IDLE_COMPLETE_SECONDS = 0

    assert sweep(after=10 * IDLE) == 0


def test_completing_a_run_announces_it_once(agent, django_capture_on_commit_callbacks):
    agent.post_report(finished(case("test_a")))

    with django_capture_on_commit_callbacks(execute=True):
        sweep()
        sweep()

    assert announced() == [Run.objects.get().pk]


def test_a_run_a_webhook_completes_is_announced(project, django_capture_on_commit_callbacks):
    completed = {"provider": "github", "provider_run_id": "77", "attempt": 1, "status": "completed"}

    with django_capture_on_commit_callbacks(execute=True):
        record(project, {**completed, "conclusion": "success"})
        record(project, {**completed, "conclusion": "success"})

    assert announced() == [Run.objects.get(provider_run_id="77").pk]


@pytest.mark.parametrize(
    ("jobs", "expected"),
    [
        (["success", "success"], "success"),
        (["success", "failure"], "failure"),
        (["timed_out", "success"], "failure"),
        (["cancelled", "success"], "cancelled"),
        (["skipped", "skipped"], "skipped"),
        (["skipped", "success"], "success"),
    ],
)
def test_a_run_concludes_from_its_jobs(jobs, expected):
    assert conclude_run(jobs) == expected


def test_the_sweep_is_scheduled_every_fifth_of_the_idle_time_and_off_at_zero(settings):
    ensure_schedules()
    assert Schedule.objects.get(name=IDLE_SWEEP).minutes == 6

    settings.RUN_IDLE_COMPLETE_SECONDS = 0
    ensure_schedules()
    assert not Schedule.objects.filter(name=IDLE_SWEEP).exists()


@pytest.mark.django_db(transaction=True)
def test_the_agent_saying_its_job_finished_lets_the_run_complete(live_server, agent_token, tmp_path):
    from agent.cli import main

    failing = '<testcase classname="t" name="bad"><failure message="no"/></testcase>'
    (tmp_path / "report.xml").write_text(f'<testsuite name="s">{failing}</testsuite>')
    env = {
        "ORCHESTRATE_HUB_URL": live_server.url,
        "ORCHESTRATE_TOKEN": agent_token,
        "ORCHESTRATE_SPOOL_DIR": str(tmp_path / "spool"),
        "ORCHESTRATE_RUN_ID": "laptop-1",
    }

    assert main(["report", "--junit", str(tmp_path / "report.xml"), "--job-finished"], env) == 0
    sweep()

    run = Run.objects.get(provider_run_id="laptop-1")
    assert (run.status, run.conclusion) == (RunStatus.COMPLETED, "failure")
