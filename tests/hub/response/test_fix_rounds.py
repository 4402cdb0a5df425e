"""Auto-fix with limits: a fix whose own run ends red goes back to the fixer on its fix branch, once per
red run, up to ``fixer.max_rounds``; then one comment on its pull request asks a person, listing every
round, and the job fails. GitHub is faked at the HTTP boundary (dispatch, pull request, comments, merge)."""

from __future__ import annotations

import pytest

from hub.response.models import EffectState, FixJob, FixState
from hub.response.policy import store
from hub.response.services import fix_rounds
from hub.runs.models import Run
from tests.hub.conftest import case, report
from tests.hub.operations.conftest import github_jobs, github_run
from tests.hub.response.conftest import completed
from tests.hub.response.fake_fixer import (
    DISPATCH,
    REPO,
    ROUTED,
    dispatches,
    fake_dispatch,
    pull_request_event,
    red_import_run,
    run_completed_event,
)
from tests.hub.response.fake_merges import HEAD, FakePull

pytestmark = pytest.mark.django_db

ROUND_TWO_RUN = 30433700  # the run the second dispatch starts


def start(
    octo, octo_agent, sender, run_tasks, api, policy: dict, head: str = HEAD
) -> tuple[FixJob, FakePull]:
    store.save(octo, {**ROUTED, **policy})
    red_import_run(octo_agent, run_tasks)
    fake_dispatch(api)
    sender.github("workflow_run", completed("failure"))
    job = FixJob.objects.get(responder="fixer")
    sender.github("pull_request", pull_request_event(12, f"orchestrate/fix-{job.pk}"))
    web = f"https://github.com/octo-org/octo-repo/actions/runs/{ROUND_TWO_RUN}"
    api.post(DISPATCH, json={"workflow_run_id": ROUND_TWO_RUN, "html_url": web,
                             "run_url": f"{REPO}/actions/runs/{ROUND_TWO_RUN}"})  # fmt: skip
    queued = github_run(ROUND_TWO_RUN, event="workflow_dispatch", status="queued", conclusion=None)
    api.get(f"{REPO}/actions/runs/{ROUND_TWO_RUN}", json=queued)
    api.get(f"{REPO}/actions/runs/{ROUND_TWO_RUN}/jobs", json=github_jobs(ROUND_TWO_RUN, {"name": "fix"}))
    return job, FakePull(12, f"orchestrate/fix-{job.pk}", head=head).install(api)


@pytest.fixture
def linked(octo, octo_agent, sender, run_tasks, api) -> tuple[FixJob, FakePull]:
    """A fixer job whose first round opened pull request 12; merging off, rounds at their default (2)."""
    return start(octo, octo_agent, sender, run_tasks, api, {})


def fix_run(
    sender, octo_agent, run_tasks, job: FixJob, run_id: int, conclusion: str, sha: str = HEAD
) -> None:
    """The fix branch's CI run ``run_id`` on ``sha`` reported (a test failing when red) and completed."""
    branch = f"orchestrate/fix-{job.pk}"
    outcome = "failed" if conclusion == "failure" else "passed"
    with run_tasks():
        octo_agent.post_report(report(case("test_sums", outcome, message="AssertionError: 2 != 3"),
                                      run_id=str(run_id), sha=sha, branch=branch, job="build"))  # fmt: skip
    event = run_completed_event(run_id, branch, conclusion)
    event["workflow_run"]["head_sha"] = sha
    sender.github("workflow_run", event)


def test_a_red_fix_run_sends_the_fix_back_to_the_fixer_on_its_branch(
    linked, sender, octo_agent, run_tasks, api
):
    job, _ = linked

    fix_run(sender, octo_agent, run_tasks, job, 555, "failure")

    first, second = dispatches(api)
    assert first["ref"] != f"orchestrate/fix-{job.pk}"
    red = Run.objects.get(provider_run_id="555")
    assert second["ref"] == f"orchestrate/fix-{job.pk}"
    assert second["inputs"] == {**first["inputs"], "run": str(red.pk)}
    job.refresh_from_db()
    assert job.state == FixState.AWAITING_VERIFICATION
    effect = job.effects.get(key=f"fixer:dispatch:{job.pk}:round:2")
    assert (effect.state, effect.external_id) == (EffectState.DONE, str(ROUND_TWO_RUN))
    assert "round 2 dispatched" in job.events.last().reason


def test_a_redelivered_red_run_dispatches_its_round_once(linked, sender, octo_agent, run_tasks, api):
    job, _ = linked

    fix_run(sender, octo_agent, run_tasks, job, 555, "failure")
    sender.github("workflow_run", run_completed_event(555, f"orchestrate/fix-{job.pk}", "failure"))

    assert len(dispatches(api)) == 2
    assert len(fix_rounds.rounds(job)) == 2


def test_a_second_red_run_asks_a_person_once_listing_every_round_and_fails_the_job(
    linked, sender, octo_agent, run_tasks, api
):
    job, pull = linked
    fix_run(sender, octo_agent, run_tasks, job, 555, "failure")

    fix_run(sender, octo_agent, run_tasks, job, 556, "failure")
    sender.github("workflow_run", run_completed_event(556, f"orchestrate/fix-{job.pk}", "failure"))

    assert len(dispatches(api)) == 2  # no third round
    [comment] = pull.comments
    assert "tried 2 round(s) and the fix's CI is still red; a person decides" in comment
    [one, two] = fix_rounds.rounds(job)
    red_one, red_two = (Run.objects.get(provider_run_id=run_id) for run_id in ("555", "556"))
    assert f"- round 1: {one.external_url}; its run {red_one.url} ended failure, failing " in comment
    assert f"- round 2: {two.external_url}; its run {red_two.url} ended failure, failing " in comment
    assert comment.count("test_sums") == 2
    job.refresh_from_db()
    assert job.state == FixState.FAILED
    assert "after 2 round(s) (fixer.max_rounds); a person decides" in job.events.last().reason


def test_the_round_two_fix_workflow_run_is_not_taken_for_the_fix_s_ci(
    linked, sender, octo_agent, run_tasks, api
):
    job, _ = linked
    fix_run(sender, octo_agent, run_tasks, job, 555, "failure")

    sender.github("workflow_run", run_completed_event(ROUND_TWO_RUN, f"orchestrate/fix-{job.pk}", "success"))

    job.refresh_from_db()
    assert job.state == FixState.AWAITING_VERIFICATION


def test_a_green_run_in_round_two_settles_the_job(linked, sender, octo_agent, run_tasks, api):
    job, pull = linked
    fix_run(sender, octo_agent, run_tasks, job, 555, "failure")

    fix_run(sender, octo_agent, run_tasks, job, 557, "success")

    job.refresh_from_db()
    assert job.state == FixState.SUCCEEDED
    assert pull.comments == []


def test_a_green_run_in_round_two_goes_to_the_merge_decision(octo, octo_agent, sender, run_tasks, api):
    merging = {"merge": {"enabled": True, "allowed_paths": ["app/**"]}}
    job, pull = start(octo, octo_agent, sender, run_tasks, api, merging, head="c" * 40)  # round 2's head
    fix_run(sender, octo_agent, run_tasks, job, 555, "failure")
    assert pull.merges == []

    fix_run(sender, octo_agent, run_tasks, job, 557, "success", sha=pull.head)

    assert [sent["sha"] for sent in pull.merges] == [pull.head]
    job.refresh_from_db()
    assert job.state == FixState.SUCCEEDED


def test_with_one_round_the_first_red_run_asks_a_person(octo, octo_agent, sender, run_tasks, api):
    job, pull = start(octo, octo_agent, sender, run_tasks, api, {"fixer": {"max_rounds": 1}})

    fix_run(sender, octo_agent, run_tasks, job, 555, "failure")

    assert len(dispatches(api)) == 1
    assert len(pull.comments) == 1
    job.refresh_from_db()
    assert job.state == FixState.FAILED


def test_a_comment_github_refuses_still_fails_the_job_and_says_to_ask_by_hand(
    octo, octo_agent, sender, run_tasks, api
):
    job, pull = start(octo, octo_agent, sender, run_tasks, api, {"fixer": {"max_rounds": 1}})
    pull.comment_status = 403

    fix_run(sender, octo_agent, run_tasks, job, 555, "failure")

    job.refresh_from_db()
    assert job.state == FixState.FAILED
    assert "ask on it by hand" in job.events.last().reason


@pytest.mark.parametrize("value", [0, -1, "2", True])
def test_max_rounds_must_be_a_whole_number_of_at_least_one(value) -> None:
    from hub.response.policy.schema import validate

    assert validate({"version": 1, "fixer": {"max_rounds": value}}) == [
        "fixer.max_rounds: must be an integer >= 1"
    ]


class WorkerKilled(BaseException):
    """The worker dies between GitHub's answer and the effect's record."""


def test_after_a_killed_round_dispatch_the_run_titled_for_the_job_on_its_branch_is_adopted(
    linked, octo_agent, run_tasks, api
):
    job, _ = linked
    branch = f"orchestrate/fix-{job.pk}"
    with run_tasks():
        octo_agent.post_report(report(case("test_sums", "failed"), run_id="555", sha=HEAD, branch=branch))
    red = Run.objects.get(provider_run_id="555")

    def killed(request):
        raise WorkerKilled

    api.remove("POST", DISPATCH)
    api.add_callback("POST", DISPATCH, callback=killed)
    with pytest.raises(WorkerKilled):
        fix_rounds.after_red(job, red)
    api.remove("POST", DISPATCH)
    round_one = github_run(
        30433642, display_title=f"Orchestrate fix job #{job.pk}", event="workflow_dispatch"
    )
    titled = github_run(
        ROUND_TWO_RUN, display_title=f"Orchestrate fix job #{job.pk}", event="workflow_dispatch"
    )
    api.get(f"{REPO}/actions/workflows/orchestrate-fix.yml/runs",
            json={"total_count": 2, "workflow_runs": [titled, round_one]})  # fmt: skip

    assert fix_rounds.after_red(job, red) == FixState.AWAITING_VERIFICATION

    effect = job.effects.get(key=f"fixer:dispatch:{job.pk}:round:2")
    assert (effect.state, effect.external_id) == (EffectState.DONE, str(ROUND_TWO_RUN))
    assert len(dispatches(api)) == 2  # round 1's and the killed worker's
    asked = [c.request.url for c in api.calls if "/workflows/orchestrate-fix.yml/runs" in c.request.url]
    assert f"branch=orchestrate%2Ffix-{job.pk}" in asked[0]


def test_a_round_dispatch_without_a_clear_answer_is_noted_and_the_job_keeps_waiting(
    linked, sender, octo_agent, run_tasks, api
):
    job, _ = linked
    api.remove("POST", DISPATCH)
    api.post(DISPATCH, status=502, json={"message": "Server Error"})

    fix_run(sender, octo_agent, run_tasks, job, 555, "failure")

    job.refresh_from_db()
    assert job.state == FixState.AWAITING_VERIFICATION
    assert job.effects.get(key=f"fixer:dispatch:{job.pk}:round:2").state == EffectState.UNKNOWN
    assert "round 2's dispatch got no clear answer" in job.events.last().reason
