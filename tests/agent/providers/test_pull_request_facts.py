"""What the merge decision reads from GitHub besides the pull request: its changed files with their lines
(``GET /pulls/{number}/files``, followed across pages) and the statuses set on its head commit
(``GET /commits/{sha}/statuses``), faked at the HTTP boundary in GitHub's documented shapes."""

from __future__ import annotations

import pytest
import responses

from agent.providers import UnsupportedOperation, get_provider
from agent.providers.changes import ChangedFile
from agent.providers.github import GitHubProvider
from tests.agent.providers.conftest import FakeTime

REPO = "https://api.github.com/repos/octocat/Hello-World"
HEAD = "6dcb09b5b57875f334f61aebed695e2e4193db5e"


@pytest.fixture
def github(fake_time: FakeTime) -> GitHubProvider:
    return GitHubProvider("octocat/Hello-World", token="ghp_x", sleep=fake_time.sleep, clock=fake_time.clock)


def pr_file(name: str, additions: int, deletions: int) -> dict:
    """One entry of GitHub's "list pull request files" answer."""
    return {
        "sha": "bbcd538c8e72b8c175046e27cc8f907076331401", "filename": name, "status": "modified",
        "additions": additions, "deletions": deletions, "changes": additions + deletions,
        "blob_url": f"https://github.com/octocat/Hello-World/blob/{HEAD}/{name}",
        "patch": "@@ -132,7 +132,7 @@ module Test @@ -1000,7 +1000,7 @@ module Test",
    }  # fmt: skip


def status(context: str, state: str) -> dict:
    """One entry of GitHub's "list commit statuses for a reference" answer."""
    return {
        "url": f"{REPO}/statuses/{HEAD}", "id": 1, "state": state, "context": context,
        "description": "Build has completed successfully", "target_url": "https://ci.example.com/1000/output",
        "creator": {"login": "octocat"},
    }  # fmt: skip


@responses.activate
def test_the_files_of_a_pull_request_are_read_across_pages(github):
    page2 = f"{REPO}/pulls/1347/files?per_page=100&page=2"
    responses.get(
        f"{REPO}/pulls/1347/files",
        json=[pr_file("src/app.py", 3, 1)],
        headers={"Link": f'<{page2}>; rel="next"'},
        match=[responses.matchers.query_param_matcher({"per_page": "100"})],
    )
    responses.get(page2, json=[pr_file("tests/test_app.py", 10, 0)])

    assert github.pull_request_files("1347") == [
        ChangedFile("src/app.py", 3, 1),
        ChangedFile("tests/test_app.py", 10, 0),
    ]


@responses.activate
def test_the_statuses_of_a_commit_are_read_newest_first(github):
    responses.get(
        f"{REPO}/commits/{HEAD}/statuses",
        json=[status("orchestrate/validate", "success"), status("orchestrate/validate", "pending")],
    )

    [newest, older] = github.commit_statuses(HEAD)

    assert (newest.context, newest.state, newest.sha) == ("orchestrate/validate", "success", HEAD)
    assert older.state == "pending"


def test_reading_statuses_of_something_that_is_not_a_commit_is_refused_before_any_call(github):
    with pytest.raises(ValueError, match="is not a commit id"):
        github.commit_statuses("main; rm")


def test_circleci_has_no_pull_request_files_to_read():
    circleci = get_provider("circleci", repo="gh/octo/app", token="t")

    with pytest.raises(UnsupportedOperation, match="list a pull request's files"):
        circleci.pull_request_files("1")


def review(login: str, state: str) -> dict:
    """One entry of GitHub's "list reviews for a pull request" answer (its documented shape)."""
    return {
        "id": 80, "node_id": "MDE3OlB1bGxSZXF1ZXN0UmV2aWV3ODA=", "user": {"login": login, "id": 1},
        "body": "", "state": state, "commit_id": HEAD, "submitted_at": "2019-11-17T17:43:43Z",
        "html_url": "https://github.com/octocat/Hello-World/pull/12#pullrequestreview-80",
        "author_association": "COLLABORATOR",
    }  # fmt: skip


@responses.activate
def test_approvals_count_each_reviewers_latest_deciding_review_across_pages(github):
    page2 = f"{REPO}/pulls/1347/reviews?per_page=100&page=2"
    responses.get(
        f"{REPO}/pulls/1347/reviews",
        json=[
            review("octocat", "APPROVED"),
            review("hubot", "CHANGES_REQUESTED"),
            review("monalisa", "APPROVED"),
        ],
        headers={"Link": f'<{page2}>; rel="next"'},
    )
    responses.get(
        page2,
        json=[review("octocat", "COMMENTED"), review("hubot", "APPROVED"), review("monalisa", "DISMISSED")],
    )

    assert github.pull_request_approvals("1347") == 2  # octocat still, hubot now; monalisa's was dismissed


def test_a_ci_without_pull_requests_cannot_count_approvals():
    circleci = get_provider("circleci", repo="gh/octocat/Hello-World", token="x")

    with pytest.raises(UnsupportedOperation, match="count a pull request's approvals"):
        circleci.pull_request_approvals("12")
