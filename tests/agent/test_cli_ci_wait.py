"""``orchestrate ci wait``: progress while a run goes on (a rewritten line on a terminal, change and
heartbeat lines elsewhere), an exit status from the run's conclusion, and a timeout that cancels nothing.

GitHub is faked at the HTTP boundary; sleeping and the clock are a ``FakeTime``, so nothing waits.
"""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from agent.cli import ExitStatus, main
from tests.agent.ci_github import API, ENV, FakeGitHub, FakeTime, github

RUN = 30433642


@pytest.fixture
def gh() -> Iterator[FakeGitHub]:
    yield from github()


@pytest.fixture(autouse=True)
def elsewhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def time() -> FakeTime:
    return FakeTime()


class Terminal(io.StringIO):
    """stderr as a terminal would be: the outside world ``wait`` asks ``isatty`` of."""

    def isatty(self) -> bool:
        return True


def wait(time: FakeTime, *argv: str) -> ExitStatus:
    return main(["ci", "wait", str(RUN), "--interval", "10", *argv], ENV, sleep=time.sleep, clock=time.clock)


def looks(gh: FakeGitHub, *states: tuple[str, str | None]) -> None:
    """The run (and its one job, ``build``) as GitHub shows it at each successive look."""
    for status, conclusion in states:
        gh.run(RUN, status=status, conclusion=conclusion)


@pytest.mark.parametrize(
    ("conclusion", "expected"),
    [
        ("success", ExitStatus.OK),
        ("skipped", ExitStatus.OK),
        ("failure", ExitStatus.RUN_FAILED),
        ("timed_out", ExitStatus.RUN_FAILED),
        ("cancelled", ExitStatus.RUN_CANCELLED),
    ],
)
def test_the_exit_status_follows_the_runs_conclusion(
    gh: FakeGitHub, time: FakeTime, conclusion: str, expected: int
) -> None:
    looks(gh, ("in_progress", None), ("completed", conclusion))

    assert wait(time) == expected


def test_it_looks_at_the_run_every_interval_until_it_completes(gh: FakeGitHub, time: FakeTime) -> None:
    looks(gh, ("queued", None), ("in_progress", None), ("in_progress", None), ("completed", "success"))

    assert wait(time) is ExitStatus.OK

    assert time.sleeps == [10, 10, 10]


def test_without_a_terminal_each_state_change_is_a_line(
    gh: FakeGitHub, time: FakeTime, capsys: pytest.CaptureFixture[str]
) -> None:
    looks(gh, ("queued", None), ("in_progress", None), ("completed", "failure"))

    wait(time)

    assert capsys.readouterr().err.splitlines() == [
        f"waiting for run {RUN} (159038 on master), every 10s",
        "[0s] run: queued",
        "[0s] build: queued",
        "[10s] run: queued -> in_progress",
        "[10s] build: queued -> in_progress",
        "[20s] run: in_progress -> failure",
        "[20s] build: in_progress -> failure",
        f"run {RUN} failure after 20s",
    ]


def test_without_a_terminal_a_heartbeat_breaks_a_long_silence(
    gh: FakeGitHub, time: FakeTime, capsys: pytest.CaptureFixture[str]
) -> None:
    looks(gh, *[("in_progress", None)] * 7, ("completed", "success"))

    wait(time, "--heartbeat", "30")

    heartbeats = [line for line in capsys.readouterr().err.splitlines() if "still waiting" in line]
    assert heartbeats == [
        f"[30s] still waiting: run {RUN} in_progress 30s | jobs: 1 in_progress",
        f"[1m00s] still waiting: run {RUN} in_progress 1m00s | jobs: 1 in_progress",
    ]


def test_on_a_terminal_one_line_is_rewritten_in_place(
    gh: FakeGitHub, time: FakeTime, monkeypatch: pytest.MonkeyPatch
) -> None:
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    looks(gh, ("queued", None), ("in_progress", None), ("completed", "success"))

    assert wait(time, "--heartbeat", "5") is ExitStatus.OK

    shown = terminal.getvalue()
    assert shown.split("\r\x1b[K")[1:] == [
        f"run {RUN} queued 0s | jobs: 1 queued",
        f"run {RUN} in_progress 10s | jobs: 1 in_progress",
        f"run {RUN} success 20s | jobs: 1 success",
        f"run {RUN} success after 20s\n",
    ]
    assert "still waiting" not in shown


def test_the_timeout_stops_waiting_exits_1_and_leaves_the_run_alone(
    gh: FakeGitHub, time: FakeTime, capsys: pytest.CaptureFixture[str]
) -> None:
    looks(gh, *[("in_progress", None)] * 4)

    assert wait(time, "--timeout", "25") is ExitStatus.RUN_FAILED

    assert time.sleeps == [10, 10, 5]
    assert "still in_progress after 25s; stopped waiting (the run goes on" in capsys.readouterr().err
    assert gh.calls("POST", API) == []


def test_json_prints_the_finished_run_and_keeps_progress_on_stderr(
    gh: FakeGitHub, time: FakeTime, capsys: pytest.CaptureFixture[str]
) -> None:
    looks(gh, ("in_progress", None), ("completed", "success"))

    assert wait(time, "--json") is ExitStatus.OK

    captured = capsys.readouterr()
    document = json.loads(captured.out)
    assert (document["id"], document["status"], document["conclusion"]) == (str(RUN), "completed", "success")
    assert "[10s] run: in_progress -> success" in captured.err


def test_a_passing_server_error_is_retried_at_the_next_interval(
    gh: FakeGitHub, time: FakeTime, capsys: pytest.CaptureFixture[str]
) -> None:
    gh.mock.get(f"{API}/actions/runs/{RUN}", status=500, json={"message": "Server Error"})
    looks(gh, ("completed", "success"))

    assert wait(time) is ExitStatus.OK

    assert "warning: " in capsys.readouterr().err
    assert time.sleeps == [10]


def test_a_rejected_token_while_waiting_exits_4(gh: FakeGitHub, time: FakeTime) -> None:
    looks(gh, ("in_progress", None))
    gh.mock.get(f"{API}/actions/runs/{RUN}", status=401, json={"message": "Bad credentials"})

    assert wait(time) is ExitStatus.AUTH_REQUIRED


def test_interrupting_the_wait_says_the_run_goes_on(
    gh: FakeGitHub, capsys: pytest.CaptureFixture[str]
) -> None:
    looks(gh, ("in_progress", None))

    def interrupted(seconds: float) -> None:
        raise KeyboardInterrupt

    status = main(["ci", "wait", str(RUN)], ENV, sleep=interrupted, clock=FakeTime().clock)

    assert status is ExitStatus.INTERRUPTED
    assert f"stopped waiting; run {RUN} goes on" in capsys.readouterr().err
