"""Repository changes on GitHub and GitLab, at the HTTP boundary with the corpus's pull and merge
request examples: pull requests read in our words (state, head, fork or not), a missing branch is None,
a fork's merge request from a branch of the same name is not ours."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import responses

from agent.providers.changes import MERGED, OPEN
from agent.providers.github import GitHubProvider
from agent.providers.gitlab import GitLabProvider

CORPUS = Path(__file__).resolve().parents[3] / ".." / "shared" / "corpus" / "api"
GH = "https://api.github.com/repos/octocat/Hello-World"
GL = "https://gitlab.com/api/v4/projects/gitlab-org%2Fgitlab-ee"


def example(relative: str) -> dict:
    if not CORPUS.is_dir():
        pytest.skip("the shared corpus is not beside the repository")
    return json.loads((CORPUS / relative).read_text("utf-8"))


@responses.activate
def test_a_github_pull_request_reads_in_our_words() -> None:
    body = example("github/examples/pulls__get.200.default.json")
    responses.get(f"{GH}/pulls/1347", json=body)

    pull = GitHubProvider("octocat/Hello-World", token="t").get_pull_request("1347")

    assert (pull.number, pull.head, pull.base, pull.from_fork) == ("1347", "new-topic", "master", False)
    assert pull.state == OPEN
    assert pull.url == "https://github.com/octocat/Hello-World/pull/1347"


@responses.activate
def test_a_closed_github_pull_request_that_was_merged_is_merged() -> None:
    body = example("github/examples/pulls__get.200.default.json") | {"state": "closed"}
    responses.get(f"{GH}/pulls/1347", json=body)

    assert GitHubProvider("octocat/Hello-World", token="t").get_pull_request("1347").state == MERGED


@responses.activate
def test_a_branch_github_does_not_have_is_none() -> None:
    responses.get(f"{GH}/git/ref/heads/orchestrate/fix-9", status=404, json={"message": "Not Found"})

    assert GitHubProvider("octocat/Hello-World", token="t").branch_sha("orchestrate/fix-9") is None


@responses.activate
def test_gitlab_lists_merge_requests_of_the_project_not_a_forks_branch_of_that_name() -> None:
    ours = example("gitlab/go-gitlab/get_merge_request.json")
    fork = ours | {"iid": 14657, "source_project_id": 999}
    responses.get(f"{GL}/merge_requests", json=[fork, ours])

    found = GitLabProvider("gitlab-org/gitlab-ee", token="t").find_pull_requests("delete-designs-v2")

    assert [mr.number for mr in found] == ["14656"]
    assert found[0].from_fork is False
    sent = responses.calls[0].request.url
    assert "source_branch=delete-designs-v2" in sent
    assert "state=all" in sent


@responses.activate
def test_a_branch_gitlab_does_not_have_is_none_and_names_are_encoded() -> None:
    responses.get(
        f"{GL}/repository/branches/orchestrate%2Ffix-9", status=404, json={"message": "404 Branch Not Found"}
    )

    assert GitLabProvider("gitlab-org/gitlab-ee", token="t").branch_sha("orchestrate/fix-9") is None
