"""``orchestrate ci list --status failure --since 2h``: the failed runs of a look-back window, read as the
hub's monitor reads them, against GitHub Actions faked at the HTTP boundary with its published example."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from responses import matchers

from agent.cli import ExitStatus
from agent.lookback import format_lookback, parse_lookback
from tests.agent.ci_github import API, REPO, FakeGitHub, ci, example, github


@pytest.fixture
def gh() -> Iterator[FakeGitHub]:
    yield from github()


@pytest.fixture(autouse=True)
def elsewhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def ago(minutes: int) -> str:
    return (datetime.now(UTC) - timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%SZ")


def runs(*specs: tuple[int, str, int]) -> dict:
    """GitHub's example listing, its run repeated as (id, conclusion, minutes ago), newest first."""
    body = example("actions/list-workflow-runs-for-repo")
    template = body["workflow_runs"][0]
    listed = []
    for run_id, conclusion, minutes in specs:
        run = copy.deepcopy(template)
        run.update(id=run_id, status="completed", conclusion=conclusion, created_at=ago(minutes))
        listed.append(run)
    return {"total_count": len(listed), "workflow_runs": listed}


def test_it_lists_only_the_failed_runs_created_within_the_window(
    gh: FakeGitHub, capsys: pytest.CaptureFixture[str]
) -> None:
    body = runs((5, "failure", 10), (4, "success", 30), (3, "timed_out", 90), (2, "failure", 180))
    gh.mock.get(
        f"{API}/actions/runs",
        json=body,
        match=[matchers.query_param_matcher({"status": "completed", "per_page": "100"})],
    )

    assert ci("list", "--status", "failure", "--since", "2h", "--json") is ExitStatus.OK

    listed = json.loads(capsys.readouterr().out)
    assert [(r["id"], r["conclusion"]) for r in listed] == [("5", "failure"), ("3", "timed_out")]


def test_a_conclusion_other_than_failure_matches_only_itself(
    gh: FakeGitHub, capsys: pytest.CaptureFixture[str]
) -> None:
    gh.mock.get(f"{API}/actions/runs", json=runs((5, "failure", 10), (4, "cancelled", 20)))

    assert ci("list", "--status", "cancelled", "--json") is ExitStatus.OK

    assert [r["id"] for r in json.loads(capsys.readouterr().out)] == ["4"]


def test_an_empty_window_is_said_with_its_length(gh: FakeGitHub, capsys: pytest.CaptureFixture[str]) -> None:
    gh.mock.get(f"{API}/actions/runs", json=runs((2, "failure", 300)))

    assert ci("list", "--status", "failure", "--since", "2h") is ExitStatus.OK

    assert capsys.readouterr().err.strip() == f"no runs found in {REPO} in the last 2h"


def test_a_malformed_window_is_a_usage_error(gh: FakeGitHub, capsys: pytest.CaptureFixture[str]) -> None:
    assert ci("list", "--since", "two hours") is ExitStatus.USAGE
    assert "e.g. 2h" in capsys.readouterr().err


@pytest.mark.parametrize(("text", "expected"), [("30m", "30m"), ("2h", "2h"), ("120m", "2h"), ("1w", "1w")])
def test_look_back_windows_read_and_print_alike(text: str, expected: str) -> None:
    assert format_lookback(parse_lookback(text)) == expected


@pytest.mark.parametrize("text", ["0h", "91d", "2", "h", "-1h", "1y"])
def test_windows_out_of_range_or_unit_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match=r"look-back|duration"):
        parse_lookback(text)
