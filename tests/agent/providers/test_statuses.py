"""Commit statuses through the provider clients, one method on every CI: GitHub's statuses API and GitLab's
commit status API faked at the HTTP boundary with their documented shapes; CIs without them say so."""

from __future__ import annotations

from pathlib import Path as _Path

import pytest

if not (_Path(__file__).resolve().parents[3] / ".." / "shared" / "corpus").is_dir():
    pytest.skip("the shared corpus is not here; it lives beside the repository", allow_module_level=True)

import json
from pathlib import Path

import pytest
import responses
from responses import matchers

from agent.providers import ProviderError, UnsupportedOperation, get_provider
from agent.providers.github import GitHubProvider
from agent.providers.gitlab import GitLabProvider
from tests.agent.providers.conftest import FakeTime

SHA = "6b9fec60e107f1f323dfa6674b317facd996cb0a"
GITHUB = f"https://api.github.com/repos/octo-org/octo-repo/statuses/{SHA}"
GITLAB = "https://gitlab.com/api/v4/projects/group%2Fapp"
CORPUS = Path(__file__).resolve().parents[3] / ".." / "shared" / "corpus" / "api" / "gitlab" / "gitlab4j"


@pytest.fixture
def github(fake_time: FakeTime) -> GitHubProvider:
    return GitHubProvider("octo-org/octo-repo", token="ghp_x", sleep=fake_time.sleep, clock=fake_time.clock)


@pytest.fixture
def gitlab(fake_time: FakeTime) -> GitLabProvider:
    return GitLabProvider("group/app", token="glpat-x", sleep=fake_time.sleep, clock=fake_time.clock)


@pytest.fixture
def gitlab_status() -> dict:
    return json.loads((CORPUS / "commit-status.json").read_text())


def github_answer(state: str) -> dict:
    return {
        "url": GITHUB, "id": 1, "node_id": "MDY6U3RhdHVzMQ==", "state": state,
        "description": "validated", "target_url": "https://ci.example.com/1",
        "context": "orchestrate/validate",
        "created_at": "2012-07-20T01:19:13Z", "updated_at": "2012-07-20T01:19:13Z",
    }  # fmt: skip


@responses.activate
def test_github_posts_the_state_context_description_and_link(github):
    expected = {
        "state": "success",
        "context": "orchestrate/validate",
        "description": "validated",
        "target_url": "https://ci.example.com/1",
    }
    responses.post(
        GITHUB, json=github_answer("success"), status=201, match=[matchers.json_params_matcher(expected)]
    )

    status = github.set_commit_status(
        SHA,
        "success",
        context="orchestrate/validate",
        description="validated",
        target_url="https://ci.example.com/1",
    )

    assert (status.sha, status.state, status.context, status.url) == (
        SHA,
        "success",
        "orchestrate/validate",
        GITHUB,
    )


@responses.activate
def test_github_descriptions_are_cut_to_its_140_characters(github):
    responses.post(GITHUB, json=github_answer("failure"), status=201)

    github.set_commit_status(SHA, "failure", context="c", description="x" * 500)

    assert len(json.loads(responses.calls[0].request.body)["description"]) == 140


@pytest.mark.parametrize(
    ("ours", "gitlabs"),
    [("pending", "running"), ("success", "success"), ("failure", "failed"), ("error", "failed")],
)
@responses.activate
def test_gitlab_states_are_ours_in_its_words(gitlab, gitlab_status, ours, gitlabs):
    answer = {**gitlab_status, "sha": SHA, "status": gitlabs, "name": "orchestrate/validate"}
    responses.post(f"{GITLAB}/statuses/{SHA}", json=answer, status=201)

    status = gitlab.set_commit_status(SHA, ours, context="orchestrate/validate")

    sent = json.loads(responses.calls[0].request.body)
    assert (sent["state"], sent["name"]) == (gitlabs, "orchestrate/validate")
    assert status.state == ("failure" if ours == "error" else ours)


@responses.activate
def test_gitlab_refusing_a_transition_to_the_same_state_reads_the_status_back(gitlab, gitlab_status):
    responses.post(
        f"{GITLAB}/statuses/{SHA}",
        json={
            "message": "Cannot transition status via :run from :running"
            ' (Reason(s): Status cannot transition via "run".)'
        },
        status=400,
    )
    current = {**gitlab_status, "sha": SHA, "status": "running", "name": "orchestrate/validate"}
    responses.get(f"{GITLAB}/repository/commits/{SHA}/statuses", json=[current])

    status = gitlab.set_commit_status(SHA, "pending", context="orchestrate/validate")

    assert (status.state, status.context) == ("pending", "orchestrate/validate")


@responses.activate
def test_gitlab_refusing_to_go_back_from_a_finished_state_is_an_error(gitlab, gitlab_status):
    responses.post(
        f"{GITLAB}/statuses/{SHA}",
        json={"message": "Cannot transition status via :run from :success"},
        status=400,
    )
    finished = {**gitlab_status, "sha": SHA, "status": "success", "name": "orchestrate/validate"}
    responses.get(f"{GITLAB}/repository/commits/{SHA}/statuses", json=[finished])

    with pytest.raises(ProviderError, match="cannot go back to running"):
        gitlab.set_commit_status(SHA, "pending", context="orchestrate/validate")


@pytest.mark.parametrize(("sha", "state"), [("not-a-sha", "success"), (SHA, "passed")])
def test_a_bad_commit_or_state_is_refused_before_any_request(github, sha, state):
    with pytest.raises(ValueError, match=r"commit status|commit id"):
        github.set_commit_status(sha, state, context="c")


def test_circleci_has_no_commit_statuses():
    circleci = get_provider("circleci", "gh/octo-org/octo-repo", token="t")

    with pytest.raises(UnsupportedOperation, match="circleci cannot set commit statuses"):
        circleci.set_commit_status(SHA, "success", context="c")
