"""Issue 14 end to end: a lint job fails -> the hub dispatches the fix workflow -> the real
``orchestrate fix --run RUN --apply --push --fix-job JOB`` (in-process, env as the shipped GitHub
workflow sets it, the hub a live server) fixes a real git repository, validates it with ruff's own check
on the file the failing check named, pushes to a real bare remote and opens a pull request -> GitHub's
pull_request webhook links it to the fix job, and the fix branch's passing run settles it. Only GitHub is
faked, at the HTTP boundary, in its real shapes."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import pytest

from agent.cli import ExitStatus, main
from hub.projects.models import AgentToken
from hub.response.models import EffectState, FixJob, FixState
from hub.response.policy import store
from tests.agent.fix.publish_fakes import FakeGitHub, bare_remote, git
from tests.agent.fix_repos import ENV, RUFF_PYPROJECT, UNFORMATTED, make_repo, tool_output
from tests.hub.operations.conftest import give_token
from tests.hub.response.conftest import RUN_ID, completed
from tests.hub.response.fake_fixer import REPO, dispatches, fake_dispatch, run_completed_event
from tests.hub.webhooks.conftest import corpus_json

pytestmark = pytest.mark.django_db(transaction=True)

FAILED_JOB = "github/workflow_job/completed.failure.with-organization.payload.json"
LINT_JOB = 1291536064  # the corpus's failed workflow_job
FIX_BRANCH_RUN = 30433700  # CI's run on the fix's branch
LOG_STORAGE = f"https://results.example.test/logs/job-{LINT_JOB}"


def lint_job_failed() -> dict:
    """The corpus's failed workflow_job, as the lint job of the corpus's workflow_run (its repository)."""
    payload = copy.deepcopy(corpus_json(FAILED_JOB))
    payload["workflow_job"].update(id=LINT_JOB, run_id=RUN_ID, name="lint")
    payload["repository"] = completed()["repository"]
    return payload


def github_log(text: str) -> str:
    """A job log as GitHub serves it: each line stamped, the step's command and its exit code around it."""
    lines = ["##[group]Run ruff format --check .", "##[endgroup]", *text.splitlines()]
    lines.append("##[error]Process completed with exit code 1.")
    return "".join(f"2026-12-07T10:00:{i:02d}.0000000Z {line}\n" for i, line in enumerate(lines))


@pytest.fixture
def repository(tmp_path: Path) -> tuple[Path, Path]:
    """The project's repository checked out on main (unformatted app.py, ruff configured), pushed to a
    bare remote that stands for GitHub's own."""
    remote = bare_remote(tmp_path)
    root = make_repo(tmp_path / "checkout", {"pyproject.toml": RUFF_PYPROJECT, "app.py": UNFORMATTED})
    git(root, "remote", "add", "origin", str(remote))
    git(root, "push", "-q", "origin", "main")
    return root, remote


def workflow_env(live_server, token: str, sent: dict) -> dict[str, str]:
    """The fix step's environment in docs/fixer/github-orchestrate-fix.yml, plus what GitHub Actions sets."""
    return {
        **ENV,
        "CI": "true",
        "GITHUB_ACTIONS": "true",
        "GITHUB_REPOSITORY": "octo-org/octo-repo",
        "GITHUB_SERVER_URL": "https://github.com",
        "GITHUB_API_URL": "https://api.github.com",
        "RUN": sent["inputs"]["run"],
        "FIX_JOB": sent["inputs"]["fix_job"],
        "ORCHESTRATE_HUB_URL": live_server.url,
        "ORCHESTRATE_TOKEN": token,
        "GH_TOKEN": "ghs_fix-token-for-tests",
    }


@pytest.fixture
def routed(live_server, settings, octo, api, repository) -> str:
    """octo routes lint to the fixer; GitHub serves the lint job's log (ruff's real output on the
    repository) and accepts the dispatch. The agent token the fix workflow holds."""
    settings.SITE_URL = live_server.url  # the hub_url the workflow checks against ORCHESTRATE_HUB_URL
    api.add_passthru(live_server.url)
    store.save(octo, {"route": {"fixer": ["lint"]}, "rerun": {"enabled": False}})
    give_token(octo)
    log = tool_output(repository[0], "ruff", "format", "--no-cache", "--check", ".")
    api.get(f"{REPO}/actions/jobs/{LINT_JOB}/logs", status=302, headers={"Location": LOG_STORAGE})
    api.get(LOG_STORAGE, body=github_log(log), content_type="text/plain")
    fake_dispatch(api)
    return AgentToken.issue(project=octo, name="fix workflow")[1]


def test_a_failing_lint_job_ends_in_a_validated_pull_request_linked_to_its_fix_job(
    live_server, routed, sender, run_tasks, api, repository, monkeypatch, capsys
):
    root, remote = repository
    token = routed

    sender.github("workflow_job", lint_job_failed())
    sender.github("workflow_run", completed("failure"))

    job = FixJob.objects.get(responder="fixer")
    [sent] = dispatches(api)
    assert sent["inputs"] == {"run": str(job.run.pk), "fix_job": str(job.pk), "hub_url": live_server.url}
    assert job.state == FixState.AWAITING_VERIFICATION

    github = FakeGitHub(remote=remote).install(api)
    env = workflow_env(live_server, token, sent)
    assert sent["inputs"]["hub_url"] == env["ORCHESTRATE_HUB_URL"]  # the workflow's "Check the hub" step
    monkeypatch.chdir(root)
    argv = ["fix", "--run", env["RUN"], "--apply", "--push", "--fix-job", env["FIX_JOB"]]

    status = main([*argv, "--json"], env)

    report = json.loads(capsys.readouterr().out)
    assert status is ExitStatus.OK, json.dumps(report, indent=1)
    assert report["status"] == "fixed"
    assert [p["fixer"] for p in report["planned"]] == ["ruff-format"]  # on the file ruff named
    checked = [(v["command"], v["passed"]) for v in report["validation"]]
    assert checked == [("ruff format --check app.py", True)]
    branch = f"orchestrate/fix-{job.pk}"
    assert git(remote, "show", f"{branch}:app.py") == "import os\n\nx = 1\nprint(os.sep, x)"
    assert f"Orchestrate-Fix-Job: {job.pk}" in git(remote, "log", "-1", "--format=%B", branch)
    [pull] = github.pulls
    assert (pull["head"]["ref"], pull["base"]["ref"]) == (branch, "main")

    opened = copy.deepcopy(corpus_json("github/pull_request/opened.payload.json"))
    opened.update(action="opened", number=pull["number"], pull_request=pull)
    opened["repository"]["full_name"] = "octo-org/octo-repo"
    sender.github("pull_request", opened)

    job.refresh_from_db()
    linked = job.effects.get(kind="pull_request")
    assert (linked.state, linked.external_id, linked.external_url) == (
        EffectState.DONE, str(pull["number"]), pull["html_url"]
    )  # fmt: skip
    assert job.state == FixState.AWAITING_VERIFICATION
    assert re.search(rf"pull request {pull['number']} opened by the fix workflow", job.events.last().reason)
    assert len(dispatches(api)) == 1

    sender.github("workflow_run", run_completed_event(FIX_BRANCH_RUN, branch, "success"))

    job.refresh_from_db()
    assert job.state == FixState.SUCCEEDED
    assert len(dispatches(api)) == 1  # the fix's own run is never sent to the fixer


def test_a_lint_job_whose_log_is_read_after_its_run_completed_is_still_sent_to_the_fixer(
    live_server, routed, sender, run_tasks, api
):
    sender.github("workflow_run", completed("failure"))  # GitHub does not order its deliveries
    assert not FixJob.objects.filter(responder="fixer").exists()

    sender.github("workflow_job", lint_job_failed())

    job = FixJob.objects.get(responder="fixer")
    [sent] = dispatches(api)
    assert sent["inputs"]["fix_job"] == str(job.pk)
    assert job.state == FixState.AWAITING_VERIFICATION
