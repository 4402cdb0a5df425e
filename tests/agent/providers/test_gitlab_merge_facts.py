"""What the merge decision reads from GitLab besides the merge request, and the revert a failed deployment
writes there, faked at the HTTP boundary in GitLab's documented shapes: the changed files with their lines
counted from each unified diff (``GET /merge_requests/{iid}/diffs``, across pages; a diff GitLab leaves
out as too large counts as over any limit), the statuses on a commit, and a merge request's approvals."""

from __future__ import annotations

import pytest
import responses
from responses import matchers

from agent.providers._gitlab_changes import UNKNOWN_LINES
from agent.providers.changes import ChangedFile
from agent.providers.gitlab import GitLabProvider
from tests.agent.providers.conftest import FakeTime

GITLAB = "https://gitlab.com/api/v4/projects/group%2Fapp"
HEAD = "6104942438c14ec7bd21c6cd5bd995272b3faff6"
DIFF = "@@ -1,3 +1,4 @@\n import os\n-import yaml\n+import json\n+import sys\n def main():\n"


@pytest.fixture
def gitlab(fake_time: FakeTime) -> GitLabProvider:
    return GitLabProvider("group/app", token="glpat-x", sleep=fake_time.sleep, clock=fake_time.clock)


def diff(path: str, text: str = DIFF, **flags: bool) -> dict:
    """One entry of GitLab's "list merge request diffs" answer."""
    return {
        "old_path": path, "new_path": path, "a_mode": "100644", "b_mode": "100644", "diff": text,
        "new_file": False, "renamed_file": False, "deleted_file": False, "generated_file": False, **flags,
    }  # fmt: skip


def status(name: str, state: str) -> dict:
    """One entry of GitLab's "list the statuses of a commit" answer."""
    return {
        "id": 78919, "sha": HEAD, "ref": "orchestrate/fix-7", "status": state, "name": name,
        "target_url": "https://ci.example.com/7", "description": "validate", "allow_failure": False,
        "created_at": "2023-04-03T11:05:27.792Z", "author": {"id": 7, "username": "orchestrate"},
    }  # fmt: skip


@responses.activate
def test_the_lines_a_merge_request_changes_are_counted_from_its_diffs_across_pages(gitlab):
    full_page = [diff(f"app/module_{n}.py") for n in range(100)]
    responses.get(
        f"{GITLAB}/merge_requests/3/diffs",
        json=full_page,
        match=[matchers.query_param_matcher({"page": "1", "per_page": "100"})],
    )
    responses.get(
        f"{GITLAB}/merge_requests/3/diffs",
        json=[diff("tests/test_main.py", "@@ -0,0 +1 @@\n+def test(): pass\n")],
        match=[matchers.query_param_matcher({"page": "2", "per_page": "100"})],
    )

    changed = gitlab.pull_request_files("3")

    assert changed[0] == ChangedFile("app/module_0.py", 2, 1)
    assert changed[-1] == ChangedFile("tests/test_main.py", 1, 0)
    assert len(changed) == 101


@responses.activate
def test_a_diff_gitlab_leaves_out_as_too_large_counts_as_over_any_size_limit(gitlab):
    responses.get(f"{GITLAB}/merge_requests/3/diffs", json=[diff("vendor/big.js", "", too_large=True)])

    [changed] = gitlab.pull_request_files("3")

    assert changed.additions + changed.deletions == UNKNOWN_LINES


@responses.activate
def test_a_commits_statuses_are_read_in_our_words(gitlab):
    responses.get(
        f"{GITLAB}/repository/commits/{HEAD}/statuses",
        json=[status("orchestrate/validate", "success"), status("lint", "running")],
    )

    [validate, lint] = gitlab.commit_statuses(HEAD)

    assert (validate.context, validate.state, validate.sha) == ("orchestrate/validate", "success", HEAD)
    assert lint.state == "pending"


def test_reading_statuses_of_something_that_is_not_a_commit_is_refused_before_any_call(gitlab):
    with pytest.raises(ValueError, match="is not a commit id"):
        gitlab.commit_statuses("main; rm")


@responses.activate
def test_a_merge_requests_approvals_are_its_distinct_approvers(gitlab):
    approver = {"id": 1, "username": "jane", "name": "Jane", "state": "active"}
    responses.get(
        f"{GITLAB}/merge_requests/3/approvals",
        json={"id": 5, "iid": 3, "approvals_required": 2, "approvals_left": 0,
              "approved_by": [{"user": approver}, {"user": {**approver, "id": 2, "username": "joe"}}]},
    )  # fmt: skip

    assert gitlab.pull_request_approvals("3") == 2


@responses.activate
def test_a_merge_request_nobody_approved_has_no_approvals(gitlab):
    responses.get(f"{GITLAB}/merge_requests/3/approvals", json={"id": 5, "iid": 3, "approved_by": []})

    assert gitlab.pull_request_approvals("3") == 0
