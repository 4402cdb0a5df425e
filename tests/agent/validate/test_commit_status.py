"""``orchestrate validate --commit-status``: pending while it works, then the verdict, on the commit, at fake
GitHub and GitLab servers on loopback answering with their documented shapes."""

from __future__ import annotations

from pathlib import Path as _Path

import pytest

if not (_Path(__file__).resolve().parents[3] / ".." / "shared" / "corpus").is_dir():
    pytest.skip("the shared corpus is not here; it lives beside the repository", allow_module_level=True)

import json

from agent.cli import ExitStatus, main
from tests.agent.validate.conftest import PYTHON, SHA, FakeProvider, env


def github_env(fake: FakeProvider) -> dict[str, str]:
    return env(GH_TOKEN="ghp_testtokentesttokentest", GITHUB_API_URL=fake.url)


def gitlab_env(fake: FakeProvider) -> dict[str, str]:
    return env(GITLAB_TOKEN="glpat-testtokentesttoken", CI_API_V4_URL=f"{fake.url}/api/v4")


def validate(app, port, *extra: str) -> list[str]:
    return ["validate", "--start", f"{PYTHON} {app} {port}", "--port", str(port), "--commit-status", *extra]


def test_github_gets_pending_then_success_on_the_commit(app, port, fake_github, capsys):
    argv = validate(app, port, "--provider", "github", "--repo", "octo/app", "--sha", SHA, "--json")

    assert main(argv, github_env(fake_github)) is ExitStatus.OK

    posts = fake_github.received
    assert [(r.method, r.path) for r in posts] == [("POST", f"/repos/octo/app/statuses/{SHA}")] * 2
    assert [r.body["state"] for r in posts] == ["pending", "success"]
    assert {r.body["context"] for r in posts} == {"orchestrate/validate"}
    assert posts[1].body["description"] == "validated: start, health passed"
    assert posts[0].headers["Authorization"] == "Bearer ghp_testtokentesttokentest"
    printed = json.loads(capsys.readouterr().out)["commit_status"]
    assert printed == {
        "sha": SHA,
        "state": "success",
        "context": "orchestrate/validate",
        "url": f"https://api.github.com/repos/octocat/Hello-World/statuses/{SHA}",
    }


def test_a_failed_validation_is_a_failure_status_with_its_reason(app, port, fake_github):
    argv = validate(app, port, "--provider", "github", "--repo", "octo/app", "--sha", SHA)

    status = main([*argv, "--smoke", "GET /nowhere 200"], github_env(fake_github))

    assert status is ExitStatus.VALIDATE_FAILED
    verdict = fake_github.received[-1].body
    assert verdict["state"] == "failure"
    assert verdict["description"] == "smoke failed: GET /nowhere answered 404, expected 200"


def test_the_status_links_to_the_github_actions_run(app, port, fake_github):
    ci = {"GITHUB_SERVER_URL": "https://github.com", "GITHUB_REPOSITORY": "octo/app", "GITHUB_RUN_ID": "42"}
    argv = validate(app, port, "--provider", "github", "--repo", "octo/app", "--sha", SHA)

    assert main(argv, {**github_env(fake_github), **ci}) is ExitStatus.OK

    assert fake_github.received[-1].body["target_url"] == "https://github.com/octo/app/actions/runs/42"


def test_gitlab_gets_running_then_success_under_the_context_as_its_name(app, port, fake_gitlab):
    argv = validate(app, port, "--provider", "gitlab", "--repo", "group/app", "--sha", SHA)

    assert main([*argv, "--status-context", "validate/app"], gitlab_env(fake_gitlab)) is ExitStatus.OK

    posts = fake_gitlab.received
    assert {r.path for r in posts} == {f"/api/v4/projects/group%2Fapp/statuses/{SHA}"}
    assert [(r.body["state"], r.body["name"]) for r in posts] == [
        ("running", "validate/app"),
        ("success", "validate/app"),
    ]
    assert posts[0].headers["PRIVATE-TOKEN"] == "glpat-testtokentesttoken"


def test_gitlab_gets_failed_when_the_health_check_fails(app, port, fake_gitlab):
    argv = validate(app, port, "--provider", "gitlab", "--repo", "group/app", "--sha", SHA)

    status = main(
        [*argv, "--health-path", "/healthz", "--health-timeout", "0.5"],
        {**gitlab_env(fake_gitlab), "HEALTH": "500"},
    )

    assert status is ExitStatus.VALIDATE_FAILED
    assert fake_gitlab.received[-1].body["state"] == "failed"


def test_without_a_token_it_stops_before_building(app, port, tmp_path, capsys):
    marker = tmp_path / "built"
    argv = validate(app, port, "--provider", "github", "--repo", "octo/app", "--sha", SHA)

    assert main([*argv, "--build", f"touch {marker}"], env()) is ExitStatus.USAGE
    assert "no token to set the commit status" in capsys.readouterr().err
    assert not marker.exists()


def test_without_a_commit_it_says_to_pass_sha(app, port, fake_github, capsys):
    argv = validate(app, port, "--provider", "github", "--repo", "octo/app")

    assert main(argv, github_env(fake_github)) is ExitStatus.USAGE
    assert "pass --sha COMMIT" in capsys.readouterr().err


def test_the_commit_comes_from_the_ci_it_runs_in(app, port, fake_github):
    ci = {"GITHUB_ACTIONS": "true", "GITHUB_SHA": SHA, "GITHUB_REPOSITORY": "octo/app"}
    argv = validate(app, port, "--provider", "github", "--repo", "octo/app")

    assert main(argv, {**github_env(fake_github), **ci}) is ExitStatus.OK
    assert fake_github.received[-1].path == f"/repos/octo/app/statuses/{SHA}"


def test_a_refused_status_is_exit_6_and_the_validation_still_runs(app, port, capsys):
    refusing = FakeProvider(lambda received: (403, {"message": "Resource not accessible by integration"}))
    for fake in refusing.serve():
        argv = validate(app, port, "--provider", "github", "--repo", "octo/app", "--sha", SHA, "--json")

        assert main(argv, github_env(fake)) is ExitStatus.STATUS_NOT_SET

    out, err = capsys.readouterr()
    assert json.loads(out)["ok"] is True
    assert "the commit status was not set: " in err
    assert "Resource not accessible by integration" in err
    assert len(refusing.received) == 1  # the verdict is not sent after the pending status was refused


def test_a_commit_that_is_not_a_sha_is_a_usage_error_before_building(app, port, fake_github, capsys):
    argv = validate(app, port, "--provider", "github", "--repo", "octo/app", "--sha", "main")

    assert main(argv, github_env(fake_github)) is ExitStatus.USAGE
    assert "'main' is not a commit id" in capsys.readouterr().err
    assert fake_github.received == []
