"""A fix job's page shows what the response services recorded: the merge decision with every reason and
the validate result, and the fixer's rounds with the red run that started each. The fix loop runs for
real from signed webhooks, with GitHub faked at the HTTP boundary (dispatch, pull request, merge)."""

# ruff: noqa: F811 (the fixtures imported below are the tests' arguments)
from __future__ import annotations

import re

import pytest

from hub.response.models import FixJob
from hub.response.policy import store
from hub.runs.models import Run
from tests.hub.conftest import case, report
from tests.hub.response.conftest import (  # noqa: F401 (fixtures)
    agent_fixtures,
    api,
    completed,
    octo,
    octo_agent,
    run_tasks,
    sender,
)
from tests.hub.response.fake_fixer import (
    ROUTED,
    fake_dispatch,
    pull_request_event,
    red_import_run,
)
from tests.hub.response.fake_fixer import run_completed_event as run_completed
from tests.hub.response.fake_merges import HEAD, FakePull

pytestmark = pytest.mark.django_db

MERGING = {"enabled": True, "allowed_paths": ["app/**", "tests/**"]}


@pytest.fixture
def fixing(octo, octo_agent, sender, run_tasks, api):
    """A fixer job awaiting verification with its pull request 12 linked, merging on in the policy."""
    store.save(octo, {**ROUTED, "merge": MERGING})
    red_import_run(octo_agent, run_tasks)
    fake_dispatch(api)
    sender.github("workflow_run", completed("failure"))
    job = FixJob.objects.get(responder="fixer")
    sender.github("pull_request", pull_request_event(12, f"orchestrate/fix-{job.pk}"))
    return job


@pytest.fixture
def pull(fixing, api):
    return FakePull(12, f"orchestrate/fix-{fixing.pk}").install(api)


@pytest.fixture
def reader(client, octo):
    client.force_login(agent_fixtures.member(octo, "rita", "member"))
    return client


def page(reader, job: FixJob) -> str:
    response = reader.get(f"/fix-jobs/{job.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def test_a_merged_fix_shows_its_decision_the_rules_that_held_and_validate_passed(
    fixing, pull, sender, reader
):
    sender.github("workflow_run", run_completed(555, f"orchestrate/fix-{fixing.pk}", "success"))

    shown = page(reader, fixing)

    assert "<h2>Merge decision</h2>" in shown
    assert f"<strong>Merge</strong> pull request #12 at <code>{HEAD[:12]}</code>" in shown
    assert "Validate: passed" in shown
    assert "Held: checks, new_failures, validate, flaky_fix, paths, size, approvals" in shown


def test_validate_missing_on_the_head_shows_as_the_reason_the_job_waits(fixing, pull, sender, reader):
    pull.validate = None

    sender.github("workflow_run", run_completed(555, f"orchestrate/fix-{fixing.pk}", "success"))
    shown = page(reader, fixing)

    assert "<strong>Wait</strong> pull request #12" in shown
    assert "Validate: orchestrate validate is missing on the head" in shown
    assert "<li><strong>wait</strong> (validate): orchestrate validate is missing on the head</li>" in shown


def test_a_job_without_a_decision_or_rounds_shows_neither(fixing, reader):
    FixJob.objects.filter(pk=fixing.pk).update(responder="rerun")
    fixing.effects.all().delete()

    shown = page(reader, fixing)

    assert "Merge decision" not in shown
    assert "<h2>Rounds</h2>" not in shown


def test_each_round_is_listed_with_the_red_run_that_started_it(fixing, sender, octo_agent, run_tasks, reader):
    store.save(fixing.project, {**ROUTED})  # merging off: a red run starts the next round
    branch = f"orchestrate/fix-{fixing.pk}"
    with run_tasks():
        octo_agent.post_report(report(case("test_sums", "failed", message="AssertionError: 2 != 3"),
                                      run_id="555", sha=HEAD, branch=branch, job="build"))  # fmt: skip
    sender.github("workflow_run", run_completed(555, branch, "failure"))
    red = Run.objects.get(provider_run_id="555")

    shown = page(reader, fixing)

    assert "<h2>Rounds</h2>" in shown
    assert "<li>Round 1: " in shown
    second = re.search(r"<li>Round 2: (.*?)</li>", shown).group(1)
    assert second.startswith('<a href="https://github.com/octo-org/octo-repo/actions/runs/')
    assert f'after <a href="/runs/{red.pk}/">the red run it answers</a>' in second
