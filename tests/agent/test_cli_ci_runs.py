"""``orchestrate ci`` run commands (list, trigger, status, retry, cancel) against GitHub Actions faked at
the HTTP boundary with its published example bodies: ``--json``, the run id given positionally or as an
option, the exit statuses, and the configuration end to end. Logs and artifacts: test_cli_ci_files.py."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from responses import matchers

from agent.cli import ExitStatus
from tests.agent.ci_github import API, ENV, REPO, TOKEN, FakeGitHub, ci, example, github


@pytest.fixture
def gh() -> Iterator[FakeGitHub]:
    yield from github()


@pytest.fixture(autouse=True)
def elsewhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run from an empty directory, so no .orchestrate.yml of this repository is found."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


# --- list ------------------------------------------------------------------------------------------


def test_list_prints_a_line_per_run(gh: FakeGitHub, capsys: pytest.CaptureFixture[str]) -> None:
    gh.mock.get(f"{API}/actions/runs", json=example("actions/list-workflow-runs-for-repo"))

    assert ci("list") is ExitStatus.OK

    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["STATE", "ID", "WORKFLOW", "BRANCH", "EVENT", "CREATED"]
    assert lines[1].split()[:2] == ["queued", "30433642"]
    assert "master" in lines[1]


def test_list_passes_its_filters_to_the_api(gh: FakeGitHub) -> None:
    gh.mock.get(
        f"{API}/actions/workflows/ci.yml/runs",
        json=example("actions/list-workflow-runs"),
        match=[matchers.query_param_matcher({"branch": "main", "status": "completed", "per_page": "5"})],
    )

    assert ci("list", "--workflow", "ci.yml", "--branch", "main", "--status", "completed", "-L", "5") == 0


def test_list_json_has_our_fields_and_the_raw_document(
    gh: FakeGitHub, capsys: pytest.CaptureFixture[str]
) -> None:
    body = example("actions/list-workflow-runs-for-repo")
    gh.mock.get(f"{API}/actions/runs", json=body)

    assert ci("list", "--json") is ExitStatus.OK

    runs = json.loads(capsys.readouterr().out)
    assert runs[0]["id"] == "30433642"
    assert (runs[0]["status"], runs[0]["conclusion"], runs[0]["branch"]) == ("queued", None, "master")
    assert runs[0]["created_at"] == "2020-01-22T19:33:08+00:00"
    assert runs[0]["raw"] == body["workflow_runs"][0]


def test_no_runs_is_said_on_stderr_and_is_not_an_error(
    gh: FakeGitHub, capsys: pytest.CaptureFixture[str]
) -> None:
    gh.mock.get(f"{API}/actions/runs", json={"total_count": 0, "workflow_runs": []})

    assert ci("list") is ExitStatus.OK

    captured = capsys.readouterr()
    assert (captured.out, captured.err.strip()) == ("", f"no runs found in {REPO}")


# --- trigger ---------------------------------------------------------------------------------------


def dispatch(gh: FakeGitHub, run_id: int = 30433642) -> None:
    """GitHub's dispatch answer since 2026-02: 200 with the new run's id."""
    gh.mock.post(
        f"{API}/actions/workflows/deploy.yml/dispatches",
        json={
            "workflow_run_id": run_id,
            "run_url": f"{API}/actions/runs/{run_id}",
            "html_url": f"https://github.com/{REPO}/actions/runs/{run_id}",
        },
    )


def test_trigger_prints_the_new_runs_id_and_url(gh: FakeGitHub, capsys: pytest.CaptureFixture[str]) -> None:
    dispatch(gh)
    gh.run(30433642, status="queued", conclusion=None)

    status = ci("trigger", "--workflow", "deploy.yml", "--ref", "v1.2.0", "-f", "env=staging", "-f", "n=2")

    assert status is ExitStatus.OK
    out = capsys.readouterr().out.splitlines()
    assert out == [
        "started run 30433642 of deploy.yml on v1.2.0",
        "https://github.com/octo-org/octo-repo/actions/runs/30433642",
    ]
    sent = json.loads(gh.calls("POST", "/dispatches")[0].request.body)
    assert (sent["ref"], sent["inputs"]) == ("v1.2.0", {"env": "staging", "n": "2"})


def test_trigger_json_holds_the_new_run(gh: FakeGitHub, capsys: pytest.CaptureFixture[str]) -> None:
    dispatch(gh)
    gh.run(30433642, status="queued", conclusion=None)

    assert ci("trigger", "-w", "deploy.yml", "--branch", "main", "--json") is ExitStatus.OK

    document = json.loads(capsys.readouterr().out)
    assert document["run"]["id"] == "30433642"
    assert document["url"] == "https://github.com/octo-org/octo-repo/actions/runs/30433642"


def test_when_the_new_run_cannot_be_found_trigger_says_where_to_look(
    gh: FakeGitHub, capsys: pytest.CaptureFixture[str]
) -> None:
    gh.mock.post(f"{API}/actions/workflows/deploy.yml/dispatches", status=204)  # an older GitHub: no id
    gh.mock.get(f"{API}/actions/workflows/deploy.yml/runs", json={"total_count": 0, "workflow_runs": []})

    assert ci("trigger", "--workflow", "deploy.yml", "--branch", "main") is ExitStatus.OK

    captured = capsys.readouterr()
    assert captured.out.strip() == f"https://github.com/{REPO}/actions/workflows/deploy.yml"
    assert "its run has not appeared yet" in captured.err


def test_inside_a_ci_trigger_runs_on_the_current_branch(gh: FakeGitHub) -> None:
    dispatch(gh)
    gh.run(30433642, status="queued", conclusion=None)
    env = {**github_job(), "GITHUB_TOKEN": TOKEN}

    assert ci("trigger", "--workflow", "deploy.yml", env=env) is ExitStatus.OK

    assert json.loads(gh.calls("POST", "/dispatches")[0].request.body)["ref"] == "feature/x"


def test_trigger_without_a_ref_outside_a_ci_says_which_flag_to_pass(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert ci("trigger", "--workflow", "deploy.yml") is ExitStatus.USAGE

    assert "pass --branch NAME or --ref REF" in capsys.readouterr().err


def test_github_needs_a_workflow(capsys: pytest.CaptureFixture[str]) -> None:
    assert ci("trigger", "--branch", "main") is ExitStatus.USAGE

    assert "GitHub needs --workflow" in capsys.readouterr().err


def test_a_field_without_an_equals_sign_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert ci("trigger", "-w", "deploy.yml", "-b", "main", "-f", "dry_run") is ExitStatus.USAGE

    assert "-f 'dry_run': expected KEY=VALUE" in capsys.readouterr().err


# --- status ----------------------------------------------------------------------------------------


def test_status_shows_the_run_and_its_jobs(gh: FakeGitHub, capsys: pytest.CaptureFixture[str]) -> None:
    gh.run(
        30433642,
        conclusion="failure",
        jobs=[gh.job_body(1, "lint"), gh.job_body(2, "test (3.12)", conclusion="failure")],
    )

    assert ci("status", "30433642") is ExitStatus.OK

    out = capsys.readouterr().out
    assert out.startswith("run 30433642: failure\n")
    assert "url       https://github.com/octo-org/octo-repo/actions/runs/30433642" in out
    assert any(line.split()[:3] == ["failure", "2", "test"] for line in out.splitlines())
    assert any(line.split()[:3] == ["success", "1", "lint"] for line in out.splitlines())


def test_status_takes_the_run_as_an_option(gh: FakeGitHub) -> None:
    gh.run(30433642)

    assert ci("status", "--run", "30433642") is ExitStatus.OK


def test_the_same_run_given_both_ways_is_fine(gh: FakeGitHub) -> None:
    gh.run(30433642)

    assert ci("status", "30433642", "--run", "30433642") is ExitStatus.OK


def test_two_different_runs_are_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert ci("status", "1", "--run", "2") is ExitStatus.USAGE

    assert "two different runs given" in capsys.readouterr().err


def test_status_json_has_the_run_its_jobs_and_their_raw_documents(
    gh: FakeGitHub, capsys: pytest.CaptureFixture[str]
) -> None:
    body = gh.run(30433642, conclusion="success")

    assert ci("status", "30433642", "--json") is ExitStatus.OK

    document = json.loads(capsys.readouterr().out)
    assert {key: document[key] for key in ("id", "status", "conclusion", "attempt", "event")} == {
        "id": "30433642",
        "status": "completed",
        "conclusion": "success",
        "attempt": 1,
        "event": "push",
    }
    assert document["commit_sha"] == body["head_sha"]
    assert document["raw"] == body
    assert [(job["id"], job["name"], job["conclusion"]) for job in document["jobs"]] == [
        ("399444496", "build", "success")
    ]
    assert document["jobs"][0]["raw"]["run_id"] == 29679449


@pytest.mark.parametrize(
    ("conclusion", "expected"),
    [
        ("success", ExitStatus.OK),
        ("failure", ExitStatus.RUN_FAILED),
        ("timed_out", ExitStatus.RUN_FAILED),
        ("cancelled", ExitStatus.RUN_CANCELLED),
    ],
)
def test_status_exit_status_follows_the_conclusion(gh: FakeGitHub, conclusion: str, expected: int) -> None:
    gh.run(30433642, conclusion=conclusion)

    assert ci("status", "30433642", "--exit-status") == expected


def test_status_of_a_failed_run_exits_0_without_exit_status(gh: FakeGitHub) -> None:
    gh.run(30433642, conclusion="failure")

    assert ci("status", "30433642") is ExitStatus.OK


def github_job(**extra: str) -> dict[str, str]:
    return {
        "GITHUB_ACTIONS": "true",
        "GITHUB_REPOSITORY": REPO,
        "GITHUB_RUN_ID": "30433642",
        "GITHUB_RUN_ATTEMPT": "1",
        "GITHUB_REF": "refs/heads/feature/x",
        "GITHUB_REF_NAME": "feature/x",
        "GITHUB_API_URL": "https://api.github.com",
        **extra,
    }


def test_inside_github_actions_status_shows_the_current_run(gh: FakeGitHub) -> None:
    gh.run(30433642, status="in_progress", conclusion=None)

    assert ci("status", env={**github_job(), "GITHUB_TOKEN": TOKEN}) is ExitStatus.OK

    assert gh.calls("GET", "/actions/runs/30433642")


def test_outside_a_ci_a_missing_run_id_says_how_to_find_one(capsys: pytest.CaptureFixture[str]) -> None:
    assert ci("status") is ExitStatus.USAGE

    assert "`orchestrate ci list` shows recent runs" in capsys.readouterr().err


# --- errors ----------------------------------------------------------------------------------------


def test_a_rejected_token_exits_4_with_what_to_set(
    gh: FakeGitHub, capsys: pytest.CaptureFixture[str]
) -> None:
    gh.mock.get(
        f"{API}/actions/runs/30433642",
        status=401,
        json={"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest"},
    )

    assert ci("status", "30433642") is ExitStatus.AUTH_REQUIRED

    err = capsys.readouterr().err
    assert "Bad credentials" in err
    assert "hint:" in err
    assert "GITHUB_TOKEN" in err


def test_without_a_token_it_exits_4_before_any_request(
    gh: FakeGitHub, capsys: pytest.CaptureFixture[str]
) -> None:
    env = {key: value for key, value in ENV.items() if key != "GH_TOKEN"}

    assert ci("status", "30433642", env=env) is ExitStatus.AUTH_REQUIRED

    err = capsys.readouterr().err
    assert "error: no token for github" in err
    assert "GH_TOKEN" in err
    assert '"Actions: read and write"' in err
    assert len(gh.mock.calls) == 0


def test_an_unknown_run_exits_1_and_says_what_to_check(
    gh: FakeGitHub, capsys: pytest.CaptureFixture[str]
) -> None:
    gh.mock.get(f"{API}/actions/runs/99", status=404, json={"message": "Not Found"})

    assert ci("status", "99") is ExitStatus.RUN_FAILED

    assert f"check --repo {REPO} and the run id" in capsys.readouterr().err


def test_the_token_is_never_printed(gh: FakeGitHub, capsys: pytest.CaptureFixture[str]) -> None:
    gh.mock.get(f"{API}/actions/runs/30433642", status=401, json={"message": "Bad credentials"})

    ci("status", "30433642", "--json")

    captured = capsys.readouterr()
    assert TOKEN not in captured.out + captured.err


# --- retry and cancel ------------------------------------------------------------------------------


def test_retry_failed_reruns_the_failed_jobs(gh: FakeGitHub, capsys: pytest.CaptureFixture[str]) -> None:
    gh.mock.post(f"{API}/actions/runs/30433642/rerun-failed-jobs", status=201, json={})
    gh.mock.get(f"{API}/actions/runs/30433642", json=gh.run_body(30433642, status="queued", run_attempt=2))

    assert ci("retry", "30433642", "--failed") is ExitStatus.OK

    assert capsys.readouterr().out.splitlines()[0] == "re-running the failed jobs of run 30433642 (attempt 2)"


def test_retry_reruns_the_whole_run(gh: FakeGitHub) -> None:
    gh.mock.post(f"{API}/actions/runs/30433642/rerun", status=201, json={})
    gh.mock.get(f"{API}/actions/runs/30433642", json=gh.run_body(30433642, status="queued", run_attempt=2))

    assert ci("retry", "--run", "30433642") is ExitStatus.OK


def test_retry_of_one_job_chosen_by_name(gh: FakeGitHub, capsys: pytest.CaptureFixture[str]) -> None:
    gh.jobs(30433642, [gh.job_body(1, "lint"), gh.job_body(2, "test (3.12)", conclusion="failure")])
    gh.mock.post(f"{API}/actions/jobs/2/rerun", status=201, json={})
    gh.mock.get(f"{API}/actions/runs/30433642", json=gh.run_body(30433642, status="queued", run_attempt=2))

    assert ci("retry", "30433642", "--job", "test (3.12)", "--json") is ExitStatus.OK

    document = json.loads(capsys.readouterr().out)
    assert (document["scope"], document["job_id"], document["run"]["attempt"]) == ("job", "2", 2)


def test_cancel_asks_github_to_cancel(gh: FakeGitHub, capsys: pytest.CaptureFixture[str]) -> None:
    gh.mock.post(f"{API}/actions/runs/30433642/cancel", status=202, json={})

    assert ci("cancel", "30433642") is ExitStatus.OK

    assert capsys.readouterr().out.startswith("cancel requested for run 30433642")


def test_cancel_json(gh: FakeGitHub, capsys: pytest.CaptureFixture[str]) -> None:
    gh.mock.post(f"{API}/actions/runs/30433642/cancel", status=202, json={})

    assert ci("cancel", "30433642", "--json") is ExitStatus.OK

    assert json.loads(capsys.readouterr().out) == {"run_id": "30433642", "cancel_requested": True}


def test_cancelling_a_finished_run_exits_1_with_githubs_reason(
    gh: FakeGitHub, capsys: pytest.CaptureFixture[str]
) -> None:
    gh.mock.post(
        f"{API}/actions/runs/30433642/cancel", status=409, json={"message": "Cannot cancel a workflow run"}
    )

    assert ci("cancel", "30433642") is ExitStatus.RUN_FAILED

    assert "Cannot cancel a workflow run" in capsys.readouterr().err


# --- configuration end to end ----------------------------------------------------------------------


def test_the_repo_flag_wins_over_the_variable_which_wins_over_the_file(
    gh: FakeGitHub, elsewhere: Path
) -> None:
    (elsewhere / ".orchestrate.yml").write_text("ci:\n  provider: github\n  repo: octo/from-file\n")
    env = {"GH_TOKEN": TOKEN, "ORCHESTRATE_REPO": "octo/from-env"}
    for repo in ("from-flag", "from-env", "from-file"):
        gh.mock.get(f"https://api.github.com/repos/octo/{repo}/actions/runs", json={"workflow_runs": []})

    assert ci("list", "--repo", "octo/from-flag", env=env) is ExitStatus.OK
    assert ci("list", env=env) is ExitStatus.OK
    assert ci("list", env={"GH_TOKEN": TOKEN}) is ExitStatus.OK

    assert [c.request.url.split("/")[5] for c in gh.mock.calls] == ["from-flag", "from-env", "from-file"]


def test_github_enterprise_is_reached_through_github_api_url(gh: FakeGitHub) -> None:
    gh.mock.get(f"https://ghe.example.com/api/v3/repos/{REPO}/actions/runs", json={"workflow_runs": []})

    assert ci("list", env={**ENV, "GITHUB_API_URL": "https://ghe.example.com/api/v3"}) is ExitStatus.OK


def test_the_api_url_flag_wins_over_github_api_url(gh: FakeGitHub) -> None:
    gh.mock.get(f"https://ghe.flag.test/api/v3/repos/{REPO}/actions/runs", json={"workflow_runs": []})
    env = {**ENV, "GITHUB_API_URL": "https://ghe.example.com/api/v3"}

    assert ci("list", "--api-url", "https://ghe.flag.test/api/v3", env=env) is ExitStatus.OK
