"""A coding agent's pull request (a failure's hand-off or an operator's task) followed through its CI, with
Codegen, a generic agent and GitHub faked at the HTTP boundary: a green run goes to the merge decision and
is merged with the head SHA it was decided on, its branch deleted; a red run gives the agent that failure
as the next round, once; when ``agent.max_rounds`` are spent one comment asks a person and the job fails;
replayed deliveries and tasks repeat nothing."""

from __future__ import annotations

from pathlib import Path as _Path

import pytest

if not (_Path(__file__).resolve().parents[3] / ".." / "shared" / "corpus").is_dir():
    pytest.skip("the shared corpus is not here; it lives beside the repository", allow_module_level=True)

import json

from hub.response import tasks
from hub.response.agents import signing
from hub.response.agents.models import AgentConnection, AgentRun, AgentRunState
from hub.response.models import FixJob, FixState
from hub.response.policy import store
from hub.response.services import agent_tasks
from tests.hub.conftest import case, report
from tests.hub.response.agent_fixtures import AGENT_SECRET, broken_run, handoff, poll_later
from tests.hub.response.fake_agents import ORG, Interruption, Plan
from tests.hub.response.fake_fixer import run_completed_event
from tests.hub.response.fake_merges import HEAD, FakePull

pytestmark = pytest.mark.django_db

BRANCH = "codegen-bot/fix-total"
PULL = {"id": 77, "title": "Fix the total", "url": "https://github.com/octo-org/octo-repo/pull/77",
        "head_branch_name": BRANCH, "created_at": "2026-12-07T16:20:00Z"}  # fmt: skip
NEW_HEAD = "e" * 40


def policy(project, adapter: str = "codegen", **agent) -> None:
    organization = {"organization": str(ORG)} if adapter == "codegen" else {}
    store.save(project, {
        "route": {"coding_agent": ["assertion"]},
        "agent": {"adapter": adapter, **organization, **agent},
        "merge": {"enabled": True, "allowed_paths": ["app/**", "tests/**"]},
    })  # fmt: skip


@pytest.fixture
def pull(api) -> FakePull:
    return FakePull(77, BRANCH).install(api)


@pytest.fixture
def opened(connected, codegen, pull, octo_agent, run_tasks, sender) -> FixJob:
    """A red run handed to Codegen, whose run completed with pull request 77 from ``BRANCH``."""
    policy(connected)
    codegen.plans = [Plan("COMPLETE", [PULL]), Plan("COMPLETE", [PULL])]
    broken_run(octo_agent, run_tasks, sender)
    poll_later(61)
    poll_later(200)
    job = handoff()
    assert job.state == FixState.AWAITING_VERIFICATION
    return job


def pull_request_run(sender, octo_agent, run_tasks, run_id: int, conclusion: str, sha: str = HEAD) -> None:
    """The pull request's CI run ``run_id`` on ``sha``, reported (``test_total`` failing when red) and
    completed at GitHub."""
    outcome = "failed" if conclusion == "failure" else "passed"
    with run_tasks():
        octo_agent.post_report(report(case("test_total", outcome, message="AssertionError: 2 != 3"),
                                      run_id=str(run_id), sha=sha, branch=BRANCH, job="build"))  # fmt: skip
    event = run_completed_event(run_id, BRANCH, "success" if outcome == "passed" else "failure")
    event["workflow_run"]["head_sha"] = sha
    sender.github("workflow_run", event)


def test_an_agent_pull_request_whose_ci_passes_is_merged_with_its_head_sha_and_its_branch_deleted(
    opened, pull, sender, octo_agent, run_tasks
):
    pull_request_run(sender, octo_agent, run_tasks, 555, "success")

    assert pull.merges == [{"sha": HEAD, "merge_method": "merge"}]
    assert pull.deleted == [BRANCH]
    [comment] = pull.comments
    assert comment.startswith(f"Orchestrate merged this fix at {HEAD[:12]}")
    opened.refresh_from_db()
    assert opened.state == FixState.SUCCEEDED
    assert opened.events.last().reason == f"merged pull request 77 at {HEAD[:12]}; its branch: deleted"


def test_a_red_run_of_the_agent_pull_request_resumes_the_agent_once_with_that_failure(
    opened, pull, codegen, sender, octo_agent, run_tasks
):
    pull_request_run(sender, octo_agent, run_tasks, 555, "failure")
    sender.github("workflow_run", run_completed_event(555, BRANCH, "failure"))  # delivered again

    [resumed] = codegen.resumed
    assert resumed["agent_run_id"] == 4100
    assert f"Your pull request {PULL['url']} does not pass its CI" in resumed["prompt"]
    assert "(round 2)" in resumed["prompt"]
    assert "test_total" in resumed["prompt"]
    assert pull.merges == []
    assert pull.comments == []
    assert FixJob.objects.count() == 1  # the pull request's red run is its round, not a new hand-off
    opened.refresh_from_db()
    assert opened.state == FixState.AWAITING_VERIFICATION
    assert "round 2: agent run 4100 given that failure" in opened.events.last().reason
    assert AgentRun.objects.get().state == AgentRunState.RUNNING


def test_a_replayed_round_task_resumes_nothing_more(opened, codegen, sender, octo_agent, run_tasks):
    pull_request_run(sender, octo_agent, run_tasks, 555, "failure")
    red = opened.project.runs.get(provider_run_id="555")

    assert tasks.fix_round(opened.pk, red.pk) == FixState.AWAITING_VERIFICATION

    assert len(codegen.resumed) == 1
    assert opened.effects.filter(kind="agent_round").count() == 1


def test_when_the_rounds_are_spent_one_comment_asks_a_person_listing_them_and_the_job_fails(
    opened, pull, codegen, sender, octo_agent, run_tasks
):
    pull_request_run(sender, octo_agent, run_tasks, 555, "failure")
    pull.head = NEW_HEAD  # round 2's commit
    poll_later(61)
    poll_later(200)  # the resumed run completes again
    pull_request_run(sender, octo_agent, run_tasks, 556, "failure", sha=NEW_HEAD)
    sender.github("workflow_run", run_completed_event(556, BRANCH, "failure"))  # delivered again

    assert len(codegen.resumed) == 1
    [comment] = pull.comments
    assert "Orchestrate's coding agent tried 2 round(s) and the fix's CI is still red" in comment
    assert f"- round 1: {PULL['url']}; its run" in comment
    assert "- round 2: https://codegen.com/agent/trace/4100; its run" in comment
    assert "failing tests.test_widgets.test_total" in comment.replace("::", ".")
    assert pull.merges == []
    opened.refresh_from_db()
    assert opened.state == FixState.FAILED
    assert "after 2 round(s) (agent.max_rounds); a person decides" in opened.events.last().reason


def test_with_one_round_the_first_red_run_asks_a_person(opened, pull, codegen, sender, octo_agent, run_tasks):
    policy(opened.project, max_rounds=1)

    pull_request_run(sender, octo_agent, run_tasks, 555, "failure")

    assert codegen.resumed == []
    assert len(pull.comments) == 1
    assert handoff().state == FixState.FAILED


def test_a_ci_run_that_completed_before_the_agent_was_seen_to_end_is_taken_when_the_pull_request_is_linked(
    connected, codegen, pull, octo_agent, run_tasks, sender
):
    policy(connected)
    codegen.plans = [Plan("COMPLETE", [PULL])]
    broken_run(octo_agent, run_tasks, sender)
    pull_request_run(sender, octo_agent, run_tasks, 555, "success")  # no pull request linked yet

    poll_later(61)
    with run_tasks():  # the decision's task goes after commit
        poll_later(200)

    assert pull.merges == [{"sha": HEAD, "merge_method": "merge"}]
    assert handoff().state == FixState.SUCCEEDED


@pytest.fixture
def generic(octo, generic_agent):
    connection = AgentConnection(project=octo, api_url=f"{generic_agent.url}/runs")
    connection.set_secret(AGENT_SECRET)
    connection.save()
    policy(octo, adapter="http")
    return generic_agent


def test_the_generic_agent_gets_a_new_signed_post_naming_the_round(
    generic, pull, octo_agent, run_tasks, sender
):
    broken_run(octo_agent, run_tasks, sender)
    AgentRun.objects.update(status_url=f"{generic.url}/runs/oh-1")
    generic.status, generic.pull_request_url = "succeeded", PULL["url"]
    poll_later(61)
    generic.status = "running"

    pull_request_run(sender, octo_agent, run_tasks, 555, "failure")

    [_, (headers, body)] = generic.received
    sent = json.loads(body)
    job = handoff()
    assert signing.verify(AGENT_SECRET, headers["X-Orchestrate-Timestamp"],
                          headers["X-Orchestrate-Signature"], body) is None  # fmt: skip
    assert headers["Idempotency-Key"] == f"agent:round:{job.pk}:2"
    assert (sent["round"], sent["resumes"]) == (2, "oh-1")
    assert sent["pull_request_url"] == PULL["url"]
    assert "test_total" in sent["prompt"]
    assert AgentRun.objects.get().external_id == "oh-2"
    assert job.state == FixState.AWAITING_VERIFICATION


def test_a_task_pull_request_is_merged_and_the_task_shows_its_validation_and_the_decision(
    connected, codegen, pull, octo_agent, run_tasks, sender
):
    policy(connected)
    codegen.plans = [Plan("COMPLETE", [PULL])]
    with run_tasks():
        task = agent_tasks.create(connected, {"title": "Retry uploads", "description": "On 503."}, None)
    poll_later(61)
    poll_later(200)

    pull_request_run(sender, octo_agent, run_tasks, 555, "success")

    task.refresh_from_db()
    shown = agent_tasks.progress(task)
    assert pull.merges == [{"sha": HEAD, "merge_method": "merge"}]
    assert shown.state == FixState.SUCCEEDED
    assert shown.merge_decision.startswith(f"merge {HEAD[:12]}: checks, new_failures, validate")
    assert shown.validation["conclusion"] == "success"


def test_a_round_whose_agent_run_fails_fails_the_job_for_a_person_and_starts_no_new_attempt(
    opened, codegen, sender, octo_agent, run_tasks
):
    pull_request_run(sender, octo_agent, run_tasks, 555, "failure")
    codegen.plans[0].end = "FAILED"  # the resumed run gives up

    poll_later(61)
    poll_later(200)

    opened.refresh_from_db()
    assert opened.state == FixState.FAILED
    assert opened.events.last().reason.endswith(f"while fixing the CI of {PULL['url']}; a person decides")
    assert len(codegen.created) == 1


def test_a_round_codegen_answers_429_is_postponed_and_sent_once_when_its_schedule_comes(
    opened, codegen, sender, octo_agent, run_tasks
):
    from django_q.models import Schedule

    codegen.interruptions.append(
        Interruption(429, {"detail": "Rate limit exceeded"}, {"Retry-After": "7"}, method="POST")
    )
    pull_request_run(sender, octo_agent, run_tasks, 555, "failure")

    assert codegen.resumed == []
    red = opened.project.runs.get(provider_run_id="555")
    later = Schedule.objects.get(name=f"agent-round-{opened.pk}-2")
    assert (later.func, later.args) == ("hub.response.tasks.fix_round", f"{opened.pk},{red.pk}")
    assert handoff().state == FixState.AWAITING_VERIFICATION
    tasks.fix_round(opened.pk, red.pk)  # the schedule's task
    tasks.fix_round(opened.pk, red.pk)  # and once more

    assert len(codegen.resumed) == 1
