"""Which runs go to the coding agent and with which strategy (pure), and the prompt's bounds: its size,
its secrets redacted, a project's template checked."""

from __future__ import annotations

import pytest

from hub.response.agents import decide, prompt
from hub.response.agents.models import Strategy
from hub.response.decisions import FailedJob, RunFacts, TestFailure
from hub.response.policy import schema
from tests.hub.response.agent_fixtures import BROKEN, broken_run

RULES = schema.defaults()["agent"]


def facts(*failures: TestFailure, conclusion: str = "failure", **extra) -> RunFacts:
    return RunFacts(conclusion, [FailedJob("build", failures)], **extra)


ASSERTION = TestFailure("tests.test_total", "healthy", "assertion")


def handoff(run_facts: RunFacts, *, pull_request: bool = False, today: int = 0, rules=RULES):
    return decide.handoff(run_facts, ["assertion"], rules, pull_request=pull_request, handoffs_today=today)


def test_a_failure_in_a_routed_category_is_handed_off():
    decision = handoff(facts(ASSERTION))
    assert decision.act
    assert decision.detail == {"categories": ["assertion"]}


@pytest.mark.parametrize(
    ("run_facts", "why"),
    [
        (facts(ASSERTION, conclusion="success"), "did not fail"),
        (facts(ASSERTION, analysis_pending=True), "not analysed yet"),
        (facts(TestFailure("t", "healthy", "lint")), "no failure in the routed categories"),
        (facts(ASSERTION, TestFailure("t", "flaky", "timeout")), "known flaky"),
    ],
)
def test_a_run_is_not_handed_off(run_facts, why):
    decision = handoff(run_facts)
    assert not decision.act
    assert why in decision.reason


def test_a_pull_requests_run_is_never_handed_off_it_may_come_from_a_fork():
    decision = handoff(facts(ASSERTION), pull_request=True)
    assert not decision.act
    assert "fork" in decision.reason


def test_the_daily_cap_stops_hand_offs():
    decision = handoff(facts(ASSERTION), today=RULES["max_per_day"])
    assert not decision.act
    assert "agent.max_per_day" in decision.reason


def test_each_attempt_has_its_strategy_and_later_ones_stay_narrow():
    assert [decide.strategy(n) for n in (1, 2, 3, 4)] == [
        Strategy.CONTEXT, Strategy.MORE_CONTEXT, Strategy.NARROW, Strategy.NARROW,
    ]  # fmt: skip


def test_a_template_with_an_unknown_placeholder_is_refused_naming_it():
    assert prompt.template_errors("Fix $project: $goal with $secret_token") == [
        f"unknown placeholder $secret_token; known: {', '.join(sorted(prompt.PLACEHOLDERS))}"
    ]


def test_the_built_in_template_uses_only_known_placeholders():
    assert prompt.template_errors(prompt.TEMPLATE.read_text()) == []


@pytest.mark.django_db
def test_the_prompt_redacts_secrets_and_stays_within_its_size(octo_agent, run_tasks, sender, octo):
    from tests.hub.conftest import case
    from tests.hub.response.conftest import post

    leak = "Authorization: Bearer ghp_abcdefghijklmnopqrstuvwxyz0123456789"
    with run_tasks():
        post(octo_agent, case(BROKEN, "failed", message=f"AssertionError: {leak}", trace="x\n" * 200_000))
    run = broken_run(octo_agent, run_tasks, sender)

    built = prompt.for_run(run, Strategy.MORE_CONTEXT, "orchestrate-fix-job: 1")

    assert "ghp_abcdefghijklmnopqrstuvwxyz0123456789" not in built.text
    assert "[REDACTED]" in built.text
    assert len(built.text.encode()) <= prompt.MAX_BYTES


@pytest.mark.django_db
def test_a_projects_template_replaces_the_built_in_one(octo_agent, run_tasks, sender):
    run = broken_run(octo_agent, run_tasks, sender)

    built = prompt.for_run(run, Strategy.CONTEXT, "m-1", "Repo $project. $goal ($marker)")

    assert built.text.startswith("Repo octo-org/octo-repo. Make the failed CI run 289782451")
    assert built.text.endswith("(m-1)")
