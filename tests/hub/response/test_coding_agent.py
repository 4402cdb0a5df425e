"""The coding-agent responder against a faithful fake of Codegen's API on loopback: from a red run to a
pull request linked to the fix job, through a 429 and a failed run retried with another strategy; 402,
the approval gate, the daily cap, and a redelivered task that makes no second agent run."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from hub.response.agents.models import AgentRun, AgentRunState, Strategy
from hub.response.models import Effect, EffectState, FixJob, FixState
from hub.response.services import fix_jobs
from tests.hub.response.agent_fixtures import (
    BROKEN,
    broken_run,
    handoff,
    member,
    perform_when_due,
    poll_later,
    route,
)
from tests.hub.response.fake_agents import TOKEN, Interruption, Plan

pytestmark = pytest.mark.django_db
PULL = {"id": 77, "title": "Fix the total", "url": "https://github.com/octo-org/octo-repo/pull/77",
        "head_branch_name": "codegen-bot/fix-total", "created_at": "2026-12-07T16:20:00Z"}  # fmt: skip


def test_a_failed_agent_run_is_retried_with_more_context_and_the_pull_request_is_linked(
    connected, codegen, octo_agent, run_tasks, sender
):
    codegen.plans = [Plan("FAILED"), Plan("complete", [PULL])]

    broken_run(octo_agent, run_tasks, sender)

    job = handoff()
    assert job.state == FixState.AWAITING_VERIFICATION
    assert len(codegen.created) == 1
    first = codegen.created[0]["prompt"]
    assert BROKEN in first
    assert f"orchestrate-fix-job: {job.pk}" in first
    assert TOKEN not in first

    codegen.interruptions.append(
        Interruption(429, {"detail": "Rate limit exceeded"}, {"Retry-After": "7"}, method="GET")
    )
    before = timezone.now()
    poll_later(61)  # the read answers 429: honoured, the next read waits 7 s
    run = AgentRun.objects.get(attempt=1)
    assert (run.state, codegen.reads[4100]) == (AgentRunState.RUNNING, 0)
    assert timedelta(seconds=61 + 6) <= run.next_poll_at - before <= timedelta(seconds=61 + 9)

    poll_later(70)  # ACTIVE
    poll_later(200)  # FAILED
    job.refresh_from_db()
    assert job.state == FixState.PENDING
    assert "attempt 2 (more_context)" in job.events.last().reason

    perform_when_due(job)
    assert len(codegen.created) == 2
    assert "Full traces (more context)" in codegen.created[1]["prompt"]
    assert AgentRun.objects.get(attempt=2).strategy == Strategy.MORE_CONTEXT

    poll_later(61)
    poll_later(200)
    job.refresh_from_db()
    assert job.state == FixState.AWAITING_VERIFICATION  # the pull request's CI settles it now
    assert job.events.last().reason.endswith(f"{PULL['url']}; its CI is awaited")
    assert AgentRun.objects.get(attempt=2).pull_request_url == PULL["url"]
    assert Effect.objects.get(key=f"agent:{job.pk}:2").detail["pull_request_url"] == PULL["url"]
    assert codegen.answered.count(429) == 1


def test_the_third_attempt_narrows_the_prompt_to_one_failing_test(
    connected, codegen, octo_agent, run_tasks, sender
):
    codegen.plans = [Plan("FAILED"), Plan("ERROR"), Plan("COMPLETE", [PULL])]
    broken_run(octo_agent, run_tasks, sender)
    job = handoff()
    for _ in range(2):
        poll_later(61)
        poll_later(200)
        perform_when_due(job)

    assert AgentRun.objects.get(attempt=3).strategy == Strategy.NARROW
    assert f"Make the test `{BROKEN}` pass" in codegen.created[2]["prompt"]


def test_when_every_attempt_fails_the_job_fails_after_max_attempts(
    octo, connected, codegen, octo_agent, run_tasks, sender
):
    route(octo, max_attempts=1)
    codegen.plans = [Plan("FAILED")]
    broken_run(octo_agent, run_tasks, sender)

    poll_later(61)
    poll_later(200)

    job = handoff()
    assert job.state == FixState.FAILED
    assert "the last of agent.max_attempts" in job.events.last().reason
    assert len(codegen.created) == 1


def test_no_credits_fails_the_job_with_that_reason_and_no_retry(
    connected, codegen, octo_agent, run_tasks, sender
):
    codegen.interruptions.append(Interruption(402, {"detail": "Insufficient credits"}, method="POST"))

    broken_run(octo_agent, run_tasks, sender)

    job = handoff()
    assert job.state == FixState.FAILED
    assert "no credits" in job.events.last().reason
    assert codegen.answered == [402]
    assert Effect.objects.get().state == EffectState.FAILED


def test_a_429_on_creation_gives_the_attempt_back_until_retry_after(
    connected, codegen, octo_agent, run_tasks, sender
):
    codegen.interruptions.append(
        Interruption(429, {"detail": "slow down"}, {"Retry-After": "90"}, method="POST")
    )
    before = timezone.now()

    broken_run(octo_agent, run_tasks, sender)

    job = handoff()
    assert job.state == FixState.PENDING
    assert job.next_attempt_at - before >= timedelta(seconds=89)
    perform_when_due(job)
    assert len(codegen.created) == 1
    assert AgentRun.objects.get().attempt == 1  # the first start never happened: still attempt 1


def test_the_hub_keeps_to_codegens_creation_limit_and_says_when_the_window_turns():
    from hub.response.agents import limits

    for _ in range(10):
        assert limits.take("codegen:323:create", 10, 60, now=1_000_020.0) == 0.0
    assert limits.take("codegen:323:create", 10, 60, now=1_000_030.0) == pytest.approx(50.0)
    assert limits.take("codegen:323:create", 10, 60, now=1_000_080.0) == 0.0  # the next minute


def test_with_approval_required_nothing_is_sent_until_an_owner_approves(
    octo, connected, codegen, octo_agent, run_tasks, sender, client_for, django_capture_on_commit_callbacks
):
    route(octo, require_approval=True)
    broken_run(octo_agent, run_tasks, sender)
    job = handoff()
    assert (job.state, codegen.created) == (FixState.AWAITING_APPROVAL, [])

    teammate = member(octo, "tina", "member")
    refused = client_for(teammate, read_only=False).post(f"/api/v1/fix-jobs/{job.pk}/approve/")
    assert refused.status_code == 403

    owner = member(octo, "otto", "owner")
    with django_capture_on_commit_callbacks(execute=True):
        approved = client_for(owner, read_only=False).post(f"/api/v1/fix-jobs/{job.pk}/approve/")

    assert approved.status_code == 200, approved.content
    job.refresh_from_db()
    assert job.state == FixState.AWAITING_VERIFICATION
    assert len(codegen.created) == 1
    assert job.events.filter(actor="otto", reason__contains="approved").exists()


def test_approving_a_job_that_does_not_wait_for_approval_is_a_conflict(
    octo, connected, codegen, octo_agent, run_tasks, sender, client_for
):
    broken_run(octo_agent, run_tasks, sender)
    owner = member(octo, "otto", "owner")

    response = client_for(owner, read_only=False).post(f"/api/v1/fix-jobs/{handoff().pk}/approve/")

    assert response.status_code == 409
    assert "awaiting_verification" in response.json()["error"]["message"]


def test_the_daily_cap_opens_no_more_hand_offs(octo, connected, codegen, octo_agent, run_tasks, sender):
    route(octo, max_per_day=1)
    broken_run(octo_agent, run_tasks, sender)
    FixJob.objects.filter(responder="coding_agent").update(key="agent:run:earlier:1")  # today's one hand-off

    broken_run(octo_agent, run_tasks, sender)

    assert FixJob.objects.filter(responder="coding_agent").count() == 1
    assert len(codegen.created) == 1


def test_a_redelivered_task_makes_no_second_agent_run(connected, codegen, octo_agent, run_tasks, sender):
    broken_run(octo_agent, run_tasks, sender)
    job = handoff()

    fix_jobs.perform(job.pk)  # the queue delivers the task again
    FixJob.objects.filter(pk=job.pk).update(state=FixState.PENDING)  # a worker lost after the start
    perform_when_due(job)

    assert len(codegen.created) == 1
    job.refresh_from_db()
    assert job.state == FixState.AWAITING_VERIFICATION
    assert "already started" in job.events.last().reason


def test_a_start_whose_answer_was_lost_is_never_sent_again_on_a_guess(
    connected, codegen, octo_agent, run_tasks, sender
):
    broken_run(octo_agent, run_tasks, sender)
    job = handoff()
    # The worker died between Codegen's answer and the hub's record of it.
    Effect.objects.filter(fix_job=job).update(state=EffectState.INTENDED, external_id="")
    AgentRun.objects.filter(fix_job=job).update(external_id="")
    FixJob.objects.filter(pk=job.pk).update(state=FixState.PENDING)

    perform_when_due(job)

    assert len(codegen.created) == 1
    job.refresh_from_db()
    assert job.state == FixState.FAILED
    assert "not sent again" in job.events.last().reason


def test_a_run_that_does_not_end_in_time_counts_as_failed(
    octo, connected, codegen, octo_agent, run_tasks, sender
):
    route(octo, max_attempts=1, timeout_minutes=30)
    codegen.plans = [Plan(reads_while_active=1000)]
    broken_run(octo_agent, run_tasks, sender)

    poll_later(31 * 60)

    job = handoff()
    assert job.state == FixState.FAILED
    assert "no end after agent.timeout_minutes (30)" in job.events.last().reason


def test_a_paused_run_is_resumed_with_more_context(connected, codegen, octo_agent, run_tasks, sender):
    codegen.plans = [Plan("PAUSED")]
    broken_run(octo_agent, run_tasks, sender)

    poll_later(61)
    poll_later(200)

    assert len(codegen.resumed) == 1
    assert codegen.resumed[0]["agent_run_id"] == 4100
    assert "Full traces (more context)" in codegen.resumed[0]["prompt"]
    assert AgentRun.objects.get().state == AgentRunState.RUNNING


def test_without_an_adapter_the_hand_off_fails_saying_what_to_set(
    octo, codegen, octo_agent, run_tasks, sender
):
    from hub.response.policy import store

    store.save(octo, {"route": {"coding_agent": ["assertion"]}})
    broken_run(octo_agent, run_tasks, sender)

    job = handoff()
    assert job.state == FixState.FAILED
    assert "set agent.adapter" in job.events.last().reason
