"""Dashboard fixtures: a project with a short, telling history landed through the real ingest API (a
stable test, a flaky one, one broken on main, a retry that saved a test, a pull request with a new
failure), analysed and judged by the hub's own services; plus another team's project."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.utils import timezone

from hub.failures.services.analysis import analyse_upload
from hub.failures.services.classification import classify_upload
from hub.flaky.services import quarantine
from hub.flaky.services.detection_run import recompute_project
from hub.projects.models import AgentToken, Project
from hub.response.models import FixState, Responder
from hub.response.services import fix_jobs
from hub.runs.models import Run, Test, Upload
from tests.hub.conftest import Agent, case, report

MAIN_RUNS = 10
BROKEN_FROM = 6  # test_checkout fails on main from this run on
WOBBLY_FAILS = {2, 3, 5, 8}  # test_wobbly's failing runs on main (passing between: flaky)
PR = {"branch": "feature/cart", "base_branch": "main", "pull_request": 7, "event": "pull_request"}


@dataclass
class Seeded:
    project: Project
    other: Project
    pr_run: Run
    main_run: Run
    other_run: Run
    wobbly: Test
    checkout: Test
    many_failures_run: Run | None = None


def land(agent: Agent, doc: dict) -> Upload:
    response = agent.post_report(doc)
    assert response.status_code in (200, 201), response.content
    upload = Upload.objects.latest("id")
    analyse_upload(upload.pk)
    classify_upload(upload.pk)
    return upload


def main_run(number: int) -> dict:
    checkout = (
        case("test_checkout", "failed", message=f"assert {number} == 4", trace=f"File cart.py, line {number}")
        if number >= BROKEN_FROM
        else case("test_checkout")
    )
    wobbly = (
        case("test_wobbly", "failed", message=f"Timeout after {number}0 ms", type="TimeoutError")
        if number in WOBBLY_FAILS
        else case("test_wobbly")
    )
    saved = case(
        "test_login",
        reruns=[{"status": "failed", "message": "connection reset by peer", "type": "OSError"}],
    )
    started = timezone.now() - timedelta(hours=MAIN_RUNS - number)
    run = {
        "number": str(number),
        "workflow": "CI",
        "started_at": started.isoformat(),
        "finished_at": (started + timedelta(minutes=4)).isoformat(),
        "status": "completed",
        "conclusion": "failure" if number >= BROKEN_FROM or number in WOBBLY_FAILS else "success",
    }
    cases = [case("test_stable"), checkout, wobbly, *([saved] if number == MAIN_RUNS else [])]
    return report(*cases, run_id=f"main-{number}", sha=f"{number:040x}", **run)


@pytest.fixture
def seeded(db, project, other_project, owner, teammate, outsider) -> Seeded:
    agent = Agent(AgentToken.issue(project=project, name="ci")[1])
    for number in range(1, MAIN_RUNS + 1):
        land(agent, main_run(number))
    pr = land(
        agent,
        report(
            case("test_stable", "failed", message="KeyError: 'basket'", trace="Traceback...\nKeyError"),
            case("test_wobbly", "failed", message="Timeout after 90 ms", type="TimeoutError"),
            case("test_skipped", "skipped"),
            run_id="pr-1",
            sha="f" * 40,
            number="11",
            status="completed",
            conclusion="failure",
            **PR,
        ),
    )
    recompute_project(project)
    other_agent = Agent(AgentToken.issue(project=other_project, name="ci")[1])
    other = land(other_agent, report(case("test_secret", "failed", message="other team"), run_id="g-1"))
    checkout = Test.objects.get(project=project, name="test_checkout")
    wobbly = Test.objects.get(project=project, name="test_wobbly")
    quarantine.quarantine(
        wobbly, reason="Times out under load; fixing the pool", owner="payments-team", user=owner
    )
    job = fix_jobs.open_job(
        project.pk, Responder.RERUN, f"rerun:{pr.run_id}:1", "The run failed on a known flaky test.",
        run=pr.run, test=wobbly,
    )  # fmt: skip
    fix_jobs.transition(job, FixState.DISPATCHED, "Handed to a worker.")
    return Seeded(
        project=project,
        other=other_project,
        pr_run=pr.run,
        main_run=Run.objects.get(project=project, provider_run_id=f"main-{MAIN_RUNS}"),
        other_run=other.run,
        wobbly=wobbly,
        checkout=checkout,
    )


def many_failures(project: Project, count: int) -> Run:
    """A run with ``count`` failing tests, each with its own message."""
    agent = Agent(AgentToken.issue(project=project, name="bulk")[1])
    cases = [case(f"test_case_{n:05d}", "failed", message=f"assert {n} == 0") for n in range(count)]
    return land(agent, report(*cases, run_id="many", status="completed", conclusion="failure")).run


@pytest.fixture(autouse=True)
def _live_listener_stopped(settings):
    """Pages start the process's live listener (hub.outbox.services.live) and open streams, which hold
    database connections: streams notice a departed page within a second, and the listener is stopped
    after each test, so none outlives the test's database."""
    from hub.outbox.services.live import FANOUT

    settings.LIVE_HEARTBEAT_SECONDS = 1
    yield
    FANOUT.stop()
