"""``orchestrate ci fix --run ID``: asks the hub to respond to a run now, prints the fix jobs it answers
with, and with ``--wait`` follows them (a line per state change) to an exit status in ``ci wait``'s
language. The hub is faked at the HTTP boundary with ``responses``, in the shapes its API answers with
(``POST /api/v1/runs/{id}/respond``, ``GET /api/v1/fix-jobs/{id}/``); sleeping is a ``FakeTime``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
import responses

from agent.cli import ExitStatus, main
from tests.agent.providers.conftest import FakeTime

HUB = "https://hub.example.com"
RUN = 42
ENV = {"ORCHESTRATE_HUB_URL": HUB, "ORCHESTRATE_API_TOKEN": "orch_u_abc.secret"}
RESPOND = f"{HUB}/api/v1/runs/{RUN}/respond"


def fix_job(job_id: int, state: str, reason: str = "all 1 failure(s) are known flaky") -> dict:
    """A fix job as the hub's API shows it (detail: with its timeline)."""
    return {
        "id": job_id, "project": "octo-org/octo-repo", "run": RUN, "job": None, "test": None,
        "cluster": None, "responder": "rerun", "key": f"rerun:289782451:{job_id}", "state": state,
        "reason": "all 1 failure(s) are known flaky", "attempts": 1, "max_attempts": 5,
        "next_attempt_at": "2026-12-07T13:00:00Z", "last_error": "",
        "created_at": "2026-12-07T13:00:00Z", "updated_at": "2026-12-07T13:00:00Z",
        "events": [{"from_state": "", "to_state": state, "reason": reason, "detail": {}, "actor": "",
                    "at": "2026-12-07T13:00:00Z"}],
        "effects": [],
    }  # fmt: skip


def responded(*jobs: dict, opened: list[int] | None = None) -> dict:
    message = f"{len(jobs)} fix job(s)" if jobs else "the policy opened no fix job for this run"
    return {
        "run": RUN,
        "action": 7,
        "message": message,
        "opened": [job["id"] for job in jobs] if opened is None else opened,
        "fix_jobs": [{k: v for k, v in job.items() if k not in {"events", "effects"}} for job in jobs],
    }


@pytest.fixture
def hub() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock() as mock:
        yield mock


def looks(hub: responses.RequestsMock, *jobs: dict) -> None:
    """The hub's answers to successive looks at fix jobs."""
    for job in jobs:
        hub.get(f"{HUB}/api/v1/fix-jobs/{job['id']}/", json=job)


def fix(*argv: str, env: dict | None = None, time: FakeTime | None = None) -> ExitStatus:
    time = time or FakeTime()
    return main(["ci", "fix", "--run", str(RUN), *argv], ENV if env is None else env, sleep=time.sleep,
                clock=time.clock)  # fmt: skip


def test_it_asks_the_hub_with_the_api_token_and_lists_the_fix_jobs(hub, capsys):
    hub.post(RESPOND, json=responded(fix_job(3, "dispatched")))

    assert fix() is ExitStatus.OK

    assert hub.calls[0].request.headers["Authorization"] == "Bearer orch_u_abc.secret"
    captured = capsys.readouterr()
    assert captured.out.splitlines() == ["3\trerun\tdispatched\tall 1 failure(s) are known flaky"]
    assert f"run {RUN}: 1 fix job(s), 1 opened now" in captured.err


def test_no_fix_job_says_the_policy_opened_none_and_exits_0_even_when_waiting(hub, capsys):
    hub.post(RESPOND, json=responded())

    assert fix("--wait") is ExitStatus.OK

    assert "the policy opened no fix job for this run" in capsys.readouterr().err
    assert len(hub.calls) == 1


def test_waiting_prints_a_line_per_state_change_and_exits_0_when_the_jobs_succeed(hub, capsys):
    hub.post(RESPOND, json=responded(fix_job(3, "dispatched")))
    looks(
        hub,
        fix_job(3, "awaiting_verification", "re-run requested; waiting for attempt 2 to complete"),
        fix_job(3, "awaiting_verification"),
        fix_job(3, "succeeded", "attempt 2 passed: the failures were flaky"),
    )
    time = FakeTime()

    assert fix("--wait", "--interval", "5", time=time) is ExitStatus.OK

    err = capsys.readouterr().err.splitlines()
    assert err[1:] == [
        "[5s] fix job 3 (rerun): dispatched -> awaiting_verification: re-run requested; "
        "waiting for attempt 2 to complete",
        "[15s] fix job 3 (rerun): awaiting_verification -> succeeded: "
        "attempt 2 passed: the failures were flaky",
    ]
    assert time.sleeps == [5, 5, 5]


def test_a_job_that_dies_ends_the_wait_with_exit_1(hub):
    hub.post(RESPOND, json=responded(fix_job(3, "running")))
    looks(hub, fix_job(3, "dead", "5 attempts failed; the last: ProviderError: 502"))

    assert fix("--wait") is ExitStatus.RUN_FAILED


def test_a_cancelled_job_exits_2_like_a_cancelled_run(hub):
    hub.post(RESPOND, json=responded(fix_job(3, "pending")))
    looks(hub, fix_job(3, "cancelled", "olga cancelled it"))

    assert fix("--wait") is ExitStatus.RUN_CANCELLED


def test_jobs_already_finished_are_not_looked_at_again(hub):
    hub.post(RESPOND, json=responded(fix_job(3, "succeeded"), opened=[]))

    assert fix("--wait") is ExitStatus.OK
    assert len(hub.calls) == 1


def test_the_timeout_stops_waiting_with_exit_1_and_says_the_jobs_go_on(hub, capsys):
    hub.post(RESPOND, json=responded(fix_job(3, "awaiting_verification")))
    looks(hub, *[fix_job(3, "awaiting_verification")] * 3)
    time = FakeTime()

    assert fix("--wait", "--interval", "10", "--timeout", "25", time=time) is ExitStatus.RUN_FAILED

    assert time.sleeps == [10, 10, 5]
    assert "stopped waiting after 25s; 1 fix job(s) go on at the hub" in capsys.readouterr().err


def test_json_prints_the_jobs_as_last_seen(hub, capsys):
    hub.post(RESPOND, json=responded(fix_job(3, "running")))
    looks(hub, fix_job(3, "succeeded"))

    assert fix("--wait", "--json") is ExitStatus.OK

    document = json.loads(capsys.readouterr().out)
    assert (document["run"], document["timed_out"]) == (RUN, False)
    assert [(job["id"], job["state"]) for job in document["fix_jobs"]] == [(3, "succeeded")]


def test_a_member_refused_by_the_hub_exits_4_with_what_to_do(hub, capsys):
    hub.post(RESPOND, status=403, json={"error": {"code": "permission_denied", "message": (
        "Only the project's owners may ask the hub to respond to a run; ask one.")}})  # fmt: skip

    assert fix() is ExitStatus.AUTH_REQUIRED

    err = capsys.readouterr().err.splitlines()
    assert err[0] == "error: Only the project's owners may ask the hub to respond to a run; ask one."
    assert err[1].startswith("hint: use a read-write API token of one of the project's owners")


def test_a_run_still_going_exits_1_saying_to_ask_again_when_it_completes(hub, capsys):
    hub.post(
        RESPOND, status=409, json={"error": {"code": "not_completed", "message": "run 42 is in progress"}}
    )

    assert fix() is ExitStatus.RUN_FAILED

    assert f"hint: wait for the run to complete, then ask again (orchestrate ci fix --run {RUN})" in (
        capsys.readouterr().err
    )


def test_without_an_api_token_it_says_where_to_put_one(hub, capsys):
    assert fix(env={"ORCHESTRATE_HUB_URL": HUB}) is ExitStatus.USAGE

    assert "set ORCHESTRATE_API_TOKEN" in capsys.readouterr().err


def test_without_a_hub_url_it_says_how_to_give_one(hub, capsys):
    assert fix(env={"ORCHESTRATE_API_TOKEN": "orch_u_x.y"}) is ExitStatus.USAGE

    assert "pass --hub URL or set ORCHESTRATE_HUB_URL" in capsys.readouterr().err


def test_the_run_must_be_given(capsys):
    assert main(["ci", "fix"], ENV) is ExitStatus.USAGE

    assert "--run" in capsys.readouterr().err
