"""Undoing a merge on GitLab: a branch at the merge commit, then GitLab's revert API on it (a merge commit
reverted against its first parent), and a branch an earlier attempt created reused. The commit answer is
the go-gitlab corpus's commit body."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import responses

from agent.providers.base import ProviderError
from agent.providers.gitlab import GitLabProvider
from tests.agent.providers.conftest import FakeTime

PROJECT = "https://gitlab.com/api/v4/projects/group%2Fapp"
CORPUS = Path(__file__).resolve().parents[3] / ".." / "shared" / "corpus" / "api" / "gitlab" / "go-gitlab"
MERGE = "f" * 40
BRANCH = "orchestrate/revert-7"
BRANCH_URL = f"{PROJECT}/repository/branches/orchestrate%2Frevert-7"


@pytest.fixture
def gitlab(fake_time: FakeTime) -> GitLabProvider:
    return GitLabProvider("group/app", token="glpat-secret", sleep=fake_time.sleep, clock=fake_time.clock)


@pytest.fixture
def reverted() -> dict:
    """GitLab's answer to a revert: a commit (go-gitlab's example body), its id the revert's."""
    if not CORPUS.is_dir():
        pytest.skip(f"the shared corpus is not beside the repository (looked for {CORPUS.resolve()})")
    commit = json.loads((CORPUS / "get_commit.json").read_text("utf-8"))
    commit.update(id="d" * 40, title='Revert "Merge branch fix"', parent_ids=[MERGE])
    return commit


def sent(path: str) -> list[dict]:
    url = f"{PROJECT}{path}"
    return [json.loads(c.request.body) for c in responses.calls if c.request.url == url and c.request.body]


@responses.activate
def test_a_merge_is_reverted_on_a_new_branch_at_the_merge_commit(gitlab, reverted):
    responses.get(BRANCH_URL, status=404, json={"message": "404 Branch Not Found"})
    responses.post(
        f"{PROJECT}/repository/branches", status=201, json={"name": BRANCH, "commit": {"id": MERGE}}
    )
    responses.post(f"{PROJECT}/repository/commits/{MERGE}/revert", status=201, json=reverted)

    sha = gitlab.revert_merge(branch=BRANCH, merge_sha=MERGE, message="Revert fix job #7")

    assert sha == "d" * 40
    assert sent("/repository/branches") == [{"branch": BRANCH, "ref": MERGE}]
    assert sent(f"/repository/commits/{MERGE}/revert") == [{"branch": BRANCH}]


@responses.activate
def test_a_branch_an_earlier_attempt_created_is_reused(gitlab, reverted):
    responses.get(BRANCH_URL, json={"name": BRANCH, "commit": {"id": MERGE}})
    responses.post(f"{PROJECT}/repository/commits/{MERGE}/revert", status=201, json=reverted)

    assert gitlab.revert_merge(branch=BRANCH, merge_sha=MERGE, message="m") == "d" * 40
    assert sent("/repository/branches") == []


@responses.activate
def test_a_merge_gitlab_cannot_revert_says_so(gitlab):
    responses.get(BRANCH_URL, json={"name": BRANCH, "commit": {"id": MERGE}})
    responses.post(
        f"{PROJECT}/repository/commits/{MERGE}/revert",
        status=400,
        json={"message": "Sorry, we cannot revert this commit automatically."},
    )

    with pytest.raises(ProviderError, match="cannot revert this commit automatically"):
        gitlab.revert_merge(branch=BRANCH, merge_sha=MERGE, message="m")
