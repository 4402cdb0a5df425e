"""Merging a pull request with the expected head SHA through the provider clients: GitHub's pulls merge API
(its published examples, read in place from the shared corpus) and GitLab's merge API (the corpus's merge
request), faked at the HTTP boundary; a stale head never merges, and the branch goes afterwards."""

from __future__ import annotations

from pathlib import Path as _Path

import pytest

if not (_Path(__file__).resolve().parents[3] / ".." / "shared" / "corpus").is_dir():
    pytest.skip("the shared corpus is not here; it lives beside the repository", allow_module_level=True)

import copy
import json
from pathlib import Path

import pytest
import responses
from responses import matchers

from agent.providers import UnsupportedOperation, get_provider
from agent.providers.github import GitHubProvider
from agent.providers.gitlab import GitLabProvider
from agent.providers.merges import (
    DELETED,
    DELETION_REQUESTED,
    HEAD_CHANGED,
    KEPT,
    KEPT_FORK,
    NOT_MERGEABLE,
    MergeRefused,
    MergeResult,
)
from tests.agent.providers.conftest import FakeTime

REPO = "https://api.github.com/repos/octocat/Hello-World"
GITLAB = "https://gitlab.com/api/v4/projects/group%2Fapp"
HEAD = "6dcb09b5b57875f334f61aebed695e2e4193db5e"
OTHER = "1111111111111111111111111111111111111111"
GITLAB_CORPUS = (
    Path(__file__).resolve().parents[3] / ".." / "shared" / "corpus" / "api" / "gitlab" / "gitlab4j"
)


@pytest.fixture
def github(fake_time: FakeTime) -> GitHubProvider:
    return GitHubProvider("octocat/Hello-World", token="ghp_x", sleep=fake_time.sleep, clock=fake_time.clock)


@pytest.fixture
def gitlab(fake_time: FakeTime) -> GitLabProvider:
    return GitLabProvider("group/app", token="glpat-x", sleep=fake_time.sleep, clock=fake_time.clock)


@pytest.fixture
def pull(github_example) -> dict:
    """The corpus's pull request #1347: head ``new-topic`` of octocat/Hello-World at HEAD."""
    return copy.deepcopy(github_example("pulls/get"))


@pytest.fixture
def merge_request() -> dict:
    return json.loads((GITLAB_CORPUS / "merge-request.json").read_text())


@responses.activate
def test_github_merges_with_the_expected_head_and_deletes_the_branch(github, pull, github_example):
    responses.get(f"{REPO}/pulls/1347", json=pull)
    responses.put(
        f"{REPO}/pulls/1347/merge",
        json=github_example("pulls/merge", "200"),
        match=[matchers.json_params_matcher({"sha": HEAD, "merge_method": "squash"})],
    )
    responses.delete(f"{REPO}/git/refs/heads/new-topic", status=204)

    result = github.merge_pull_request(1347, sha=HEAD)

    assert result == MergeResult("1347", HEAD, DELETED)
    assert [call.request.method for call in responses.calls] == ["GET", "PUT", "DELETE"]


@responses.activate
def test_github_refuses_before_merging_when_the_head_moved(github, pull):
    responses.get(f"{REPO}/pulls/1347", json=pull)

    with pytest.raises(MergeRefused) as refused:
        github.merge_pull_request(1347, sha=OTHER)

    assert refused.value.reason == HEAD_CHANGED
    assert len(responses.calls) == 1  # no PUT


@responses.activate
def test_github_answering_409_is_a_head_that_changed_meanwhile(github, pull, github_example):
    responses.get(f"{REPO}/pulls/1347", json=pull)
    responses.put(f"{REPO}/pulls/1347/merge", json=github_example("pulls/merge", "409"), status=409)

    with pytest.raises(MergeRefused, match="Head branch was modified") as refused:
        github.merge_pull_request(1347, sha=HEAD)

    assert (refused.value.reason, refused.value.status) == (HEAD_CHANGED, 409)
    assert [call.request.method for call in responses.calls] == ["GET", "PUT"]  # the branch stays


@responses.activate
def test_github_answering_405_is_not_mergeable(github, pull, github_example):
    responses.get(f"{REPO}/pulls/1347", json=pull)
    responses.put(f"{REPO}/pulls/1347/merge", json=github_example("pulls/merge", "405"), status=405)

    with pytest.raises(MergeRefused, match="not mergeable") as refused:
        github.merge_pull_request(1347, sha=HEAD)

    assert refused.value.reason == NOT_MERGEABLE


@responses.activate
def test_github_keeps_a_branch_that_lives_in_a_fork(github, pull, github_example):
    pull["head"]["repo"]["full_name"] = "someone/Hello-World"
    responses.get(f"{REPO}/pulls/1347", json=pull)
    responses.put(f"{REPO}/pulls/1347/merge", json=github_example("pulls/merge", "200"))

    assert github.merge_pull_request(1347, sha=HEAD).branch == KEPT_FORK
    assert len(responses.calls) == 2


@responses.activate
def test_github_takes_a_branch_already_deleted_as_deleted(github, pull, github_example):
    responses.get(f"{REPO}/pulls/1347", json=pull)
    responses.put(f"{REPO}/pulls/1347/merge", json=github_example("pulls/merge", "200"))
    responses.delete(
        f"{REPO}/git/refs/heads/new-topic", json={"message": "Reference does not exist"}, status=422
    )

    assert github.merge_pull_request(1347, sha=HEAD, method="rebase").branch == DELETED


@responses.activate
def test_github_keeps_the_branch_when_asked(github, pull, github_example):
    responses.get(f"{REPO}/pulls/1347", json=pull)
    responses.put(f"{REPO}/pulls/1347/merge", json=github_example("pulls/merge", "200"))

    assert github.merge_pull_request(1347, sha=HEAD, delete_branch=False).branch == KEPT


@responses.activate
def test_gitlab_merges_with_the_expected_head_and_removes_the_source_branch(gitlab, merge_request):
    expected = {
        "sha": HEAD,
        "squash": True,
        "should_remove_source_branch": True,
        "auto_merge": True,
        "merge_when_pipeline_succeeds": True,
    }
    responses.put(
        f"{GITLAB}/merge_requests/1/merge", json=merge_request, match=[matchers.json_params_matcher(expected)]
    )

    result = gitlab.merge_pull_request(1, sha=HEAD)

    assert result == MergeResult("1", merge_request["squash_commit_sha"], DELETION_REQUESTED)


@pytest.mark.parametrize(
    ("status", "message", "reason"),
    [
        (409, "SHA does not match HEAD of source branch: 1111", HEAD_CHANGED),
        (405, "405 Method Not Allowed", NOT_MERGEABLE),
        (406, "Branch cannot be merged", NOT_MERGEABLE),
        (422, "Branch cannot be merged", NOT_MERGEABLE),
    ],
)
@responses.activate
def test_gitlab_refusals(gitlab, status, message, reason):
    responses.put(f"{GITLAB}/merge_requests/1/merge", json={"message": message}, status=status)

    with pytest.raises(MergeRefused) as refused:
        gitlab.merge_pull_request(1, sha=HEAD, method="merge")

    assert refused.value.reason == reason


@responses.activate
def test_gitlab_a_merge_request_left_open_is_not_merged(gitlab, merge_request):
    responses.put(f"{GITLAB}/merge_requests/1/merge", json={**merge_request, "state": "opened"})

    with pytest.raises(MergeRefused, match="is 'opened'"):
        gitlab.merge_pull_request(1, sha=HEAD)


@responses.activate
def test_gitlab_sets_a_merge_request_whose_pipeline_runs_to_merge_when_it_succeeds(gitlab, merge_request):
    waiting = {**merge_request, "state": "opened", "merge_when_pipeline_succeeds": True, "sha": HEAD}
    responses.put(f"{GITLAB}/merge_requests/1/merge", json=waiting)

    result = gitlab.merge_pull_request(1, sha=HEAD, method="merge")

    assert (result.pending, result.sha, result.branch) == (True, "", DELETION_REQUESTED)


def test_gitlab_does_not_rebase_through_the_merge_call(gitlab):
    with pytest.raises(ValueError, match="merge, squash"):
        gitlab.merge_pull_request(1, sha=HEAD, method="rebase")


def test_circleci_has_no_pull_requests_to_merge():
    with pytest.raises(UnsupportedOperation, match="circleci cannot merge pull requests"):
        get_provider("circleci", "gh/octo-org/octo-repo", token="t").merge_pull_request(1, sha=HEAD)
