"""Issue operations on GitHub and GitLab, faked at the HTTP boundary with their real shapes (GitHub's
published issues example from the corpus; GitLab's issue as its Issues API documents it), and refused
by the CIs that have no issues."""

from __future__ import annotations

from typing import Any

import pytest
import responses
from responses import matchers

from agent.providers import get_provider
from agent.providers.base import UnsupportedOperation
from agent.providers.github import GitHubProvider
from agent.providers.gitlab import GitLabProvider
from agent.providers.issues import CLOSED, OPEN
from tests.agent.providers.conftest import FakeTime

GH = "https://api.github.com/repos/octo-org/octo-repo/issues"
GL = "https://gitlab.com/api/v4/projects/group%2Fapp/issues"
MARKER = "<!-- orchestrate:test:42 -->"


@pytest.fixture
def github(fake_time: FakeTime) -> GitHubProvider:
    return GitHubProvider("octo-org/octo-repo", token="t", sleep=fake_time.sleep, clock=fake_time.clock)


@pytest.fixture
def gitlab(fake_time: FakeTime) -> GitLabProvider:
    return GitLabProvider("group/app", token="t", sleep=fake_time.sleep, clock=fake_time.clock)


@pytest.fixture
def gh_issue(github_example) -> Any:
    """GitHub's published issue (an issue, so without the pull-request link the example carries)."""

    def make(**changes: Any) -> dict:
        body = github_example("issues/create", "201")
        body.pop("pull_request", None)
        return body | changes

    return make


def gl_issue(**changes: Any) -> dict:
    """An issue as GitLab's Issues API returns it (fields the client reads, and some it does not)."""
    return {
        "id": 76, "iid": 6, "project_id": 1, "title": "Flaky test: test_x", "description": "body",
        "state": "opened", "labels": ["flaky-test"], "web_url": "https://gitlab.com/group/app/-/issues/6",
        "created_at": "2026-01-01T00:00:00.000Z", "closed_at": None,
    } | changes  # fmt: skip


@responses.activate
def test_github_lists_issues_by_label_leaving_out_pull_requests(github, gh_issue) -> None:
    pull = gh_issue(number=7, pull_request={"url": "x"})
    responses.get(
        GH,
        json=[gh_issue(body=MARKER), pull],
        match=[matchers.query_param_matcher({"labels": "flaky-test,ci", "state": "all", "sort": "created",
                                             "per_page": "100"})],
    )  # fmt: skip
    issues = github.list_issues(["flaky-test", "ci"])
    assert [(i.number, i.state, i.labels) for i in issues] == [("1347", OPEN, ("bug",))]


@responses.activate
def test_github_finds_an_issue_by_the_marker_in_its_body(github, gh_issue) -> None:
    responses.get(GH, json=[gh_issue(number=1, body="other"), gh_issue(number=2, body=f"x\n{MARKER}")])
    assert github.find_issue(["flaky-test"], MARKER).number == "2"


@responses.activate
def test_github_finds_no_issue_when_no_body_has_the_marker(github, gh_issue) -> None:
    responses.get(GH, json=[gh_issue(body="other")])
    assert github.find_issue(["flaky-test"], MARKER) is None


@responses.activate
def test_github_creates_an_issue_with_title_body_and_labels(github, gh_issue) -> None:
    want = {"title": "T", "body": "B", "labels": ["flaky-test"]}
    responses.post(GH, status=201, json=gh_issue(), match=[matchers.json_params_matcher(want)])
    issue = github.create_issue("T", "B", ["flaky-test"])
    assert (issue.number, issue.url) == ("1347", "https://github.com/octocat/Hello-World/issues/1347")


@responses.activate
def test_github_closes_an_issue_as_completed(github, gh_issue) -> None:
    want = {"state": "closed", "state_reason": "completed"}
    responses.patch(f"{GH}/1347", json=gh_issue(state="closed"), match=[matchers.json_params_matcher(want)])
    assert github.close_issue("1347").state == CLOSED


@responses.activate
def test_github_reopens_an_issue_with_a_new_body(github, gh_issue) -> None:
    want = {"body": "B2", "state": "open", "state_reason": "reopened"}
    responses.patch(f"{GH}/1347", json=gh_issue(body="B2"), match=[matchers.json_params_matcher(want)])
    assert github.update_issue("1347", body="B2", state=OPEN).body == "B2"


def test_an_issue_number_that_is_not_a_number_is_refused_before_any_request(github) -> None:
    with pytest.raises(Exception, match="GitHub issue ids are numbers"):
        github.update_issue("1/../2", body="B")


@responses.activate
def test_gitlab_lists_open_and_closed_issues_by_label(gitlab) -> None:
    responses.get(
        GL,
        json=[gl_issue(), gl_issue(iid=5, state="closed")],
        match=[matchers.query_param_matcher({"labels": "flaky-test", "order_by": "created_at", "sort": "desc",
                                             "per_page": "100", "page": "1"})],
    )  # fmt: skip
    assert [(i.number, i.state) for i in gitlab.list_issues(["flaky-test"])] == [("6", OPEN), ("5", CLOSED)]


@responses.activate
def test_gitlab_creates_an_issue_with_a_description_and_comma_separated_labels(gitlab) -> None:
    want = {"title": "T", "description": "B", "labels": "flaky-test,ci"}
    responses.post(GL, status=201, json=gl_issue(), match=[matchers.json_params_matcher(want)])
    issue = gitlab.create_issue("T", "B", ["flaky-test", "ci"])
    assert (issue.number, issue.url, issue.state) == ("6", "https://gitlab.com/group/app/-/issues/6", OPEN)


@responses.activate
def test_gitlab_closes_and_reopens_with_a_state_event(gitlab) -> None:
    responses.put(f"{GL}/6", json=gl_issue(state="closed"),
                  match=[matchers.json_params_matcher({"state_event": "close"})])  # fmt: skip
    reopen = {"description": "B", "state_event": "reopen"}
    responses.put(f"{GL}/6", json=gl_issue(description="B"), match=[matchers.json_params_matcher(reopen)])
    assert gitlab.close_issue("6").state == CLOSED
    assert gitlab.update_issue("6", body="B", state=OPEN).state == OPEN


@pytest.mark.parametrize("name", ["circleci", "custom"])
def test_a_ci_without_issues_says_so(name: str) -> None:
    config = {"status_url": "https://ci.example/runs/{run_id}"} if name == "custom" else {}
    provider = get_provider(name, "org/app", token="t", config=config)
    with pytest.raises(UnsupportedOperation, match=f"{name} cannot create issues"):
        provider.create_issue("T", "B", ["flaky-test"])


def test_the_state_is_open_or_closed(github) -> None:
    with pytest.raises(ValueError, match="'open' or 'closed'"):
        github.update_issue("1", state="opened")
