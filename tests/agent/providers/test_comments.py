"""Pull-request comments through the provider clients, one method set on every CI: GitHub's issue
comments (its published examples, read in place from the shared corpus) and GitLab's merge-request notes
(GitLab's documented note shape), faked at the HTTP boundary; CIs without comments say so."""

from __future__ import annotations

import copy
import json

import pytest
import responses
from responses import matchers

from agent.providers import Comment, NotFoundError, UnsupportedOperation, get_provider
from agent.providers.github import GitHubProvider
from agent.providers.gitlab import GitLabProvider
from tests.agent.providers.conftest import FakeTime

GITHUB_REPO = "https://api.github.com/repos/octo-org/octo-repo"
GITLAB_MR = "https://gitlab.com/api/v4/projects/group%2Fapp/merge_requests/7"


@pytest.fixture
def github(fake_time: FakeTime) -> GitHubProvider:
    return GitHubProvider("octo-org/octo-repo", token="ghp_x", sleep=fake_time.sleep, clock=fake_time.clock)


@pytest.fixture
def gitlab(fake_time: FakeTime) -> GitLabProvider:
    return GitLabProvider("group/app", token="glpat-x", sleep=fake_time.sleep, clock=fake_time.clock)


@pytest.fixture
def created(github_api) -> dict:
    return json.loads((github_api / "examples" / "issues__create-comment.201.default.json").read_text())


@pytest.fixture
def listed(github_api) -> list:
    return json.loads((github_api / "examples" / "issues__list-comments.200.default.json").read_text())


def note(note_id: int, body: str, *, system: bool = False) -> dict:
    """A merge-request note as GitLab's Notes API documents it."""
    return {
        "id": note_id, "type": None, "body": body, "attachment": None, "system": system,
        "author": {"id": 1, "username": "orchestrate-bot", "name": "Orchestrate", "state": "active"},
        "created_at": "2026-12-07T10:00:00.000Z", "updated_at": "2026-12-07T10:00:00.000Z",
        "noteable_id": 1000, "noteable_type": "MergeRequest", "noteable_iid": 7, "resolvable": False,
        "confidential": False, "internal": False,
    }  # fmt: skip


@responses.activate
def test_github_lists_a_pull_requests_comments_through_the_issues_api(github, listed):
    responses.get(f"{GITHUB_REPO}/issues/1347/comments", json=listed)

    comments = github.list_comments(1347)

    assert comments[0] == Comment(
        str(listed[0]["id"]), listed[0]["body"], "octocat", listed[0]["html_url"], listed[0]
    )


@responses.activate
def test_github_creates_a_comment_with_its_body(github, created):
    responses.post(
        f"{GITHUB_REPO}/issues/1347/comments",
        status=201,
        json=created,
        match=[matchers.json_params_matcher({"body": "Me too"})],
    )

    comment = github.create_comment(1347, "Me too")

    assert (comment.id, comment.url) == ("1", created["html_url"])


@responses.activate
def test_github_edits_a_comment_in_place_with_patch(github, created):
    edited = {**copy.deepcopy(created), "body": "edited"}
    responses.patch(
        f"{GITHUB_REPO}/issues/comments/1",
        json=edited,
        match=[matchers.json_params_matcher({"body": "edited"})],
    )

    assert github.update_comment(1347, "1", "edited").body == "edited"


@responses.activate
def test_github_says_a_deleted_comment_is_not_found(github):
    responses.patch(f"{GITHUB_REPO}/issues/comments/1", status=404, json={"message": "Not Found"})

    with pytest.raises(NotFoundError):
        github.update_comment(1347, "1", "edited")


@responses.activate
def test_gitlab_lists_a_merge_requests_notes_without_the_system_ones(gitlab):
    responses.get(f"{GITLAB_MR}/notes", json=[note(1, "added 1 commit", system=True), note(2, "LGTM")])

    comments = gitlab.list_comments(7)

    assert [(c.id, c.body, c.author) for c in comments] == [("2", "LGTM", "orchestrate-bot")]
    assert comments[0].url == "https://gitlab.com/group/app/-/merge_requests/7#note_2"


@responses.activate
def test_gitlab_creates_a_note_and_edits_it_in_place_with_put(gitlab):
    responses.post(
        f"{GITLAB_MR}/notes",
        status=201,
        json=note(3, "first"),
        match=[matchers.json_params_matcher({"body": "first"})],
    )
    responses.put(
        f"{GITLAB_MR}/notes/3",
        json=note(3, "second"),
        match=[matchers.json_params_matcher({"body": "second"})],
    )

    assert gitlab.create_comment(7, "first").id == "3"
    assert gitlab.update_comment(7, "3", "second").body == "second"


@pytest.mark.parametrize("name", ["circleci", "custom"])
def test_a_ci_without_pull_request_comments_says_so(name):
    provider = get_provider(
        name,
        "acme/widgets",
        token="t",
        config={"status_url": "https://ci.example.com/runs/{run_id}"} if name == "custom" else None,
    )

    with pytest.raises(UnsupportedOperation, match="cannot comment on pull requests"):
        provider.create_comment(7, "hello")
