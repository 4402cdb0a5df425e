"""Which repository a fix is published to: the CI's variables first, the origin remote for CircleCI and
laptops, and a one-line refusal when neither names GitHub or GitLab."""

from __future__ import annotations

import pytest

from agent.fix._target import TargetError, from_remote, target
from agent.providers import UnsupportedOperation, get_provider
from agent.providers.changes import FileChange


def test_github_actions_variables_name_the_repository_and_token(tmp_path) -> None:
    env = {"GITHUB_ACTIONS": "true", "GITHUB_REPOSITORY": "octo-org/octo-repo", "GITHUB_TOKEN": "t"}
    config = target(env, tmp_path, None)
    assert (config.provider, config.repo, config.token) == ("github", "octo-org/octo-repo", "t")


def test_on_circleci_the_origin_remote_names_the_github_repository(tmp_path) -> None:
    env = {"CIRCLECI": "true", "CIRCLE_PROJECT_USERNAME": "octo-org", "CIRCLE_PROJECT_REPONAME": "octo-repo",
           "GH_TOKEN": "t"}  # fmt: skip
    config = target(env, tmp_path, "git@github.com:octo-org/octo-repo.git")
    assert (config.provider, config.repo, config.token) == ("github", "octo-org/octo-repo", "t")


def test_a_self_managed_gitlab_remote_names_its_instance_and_nested_group() -> None:
    assert from_remote("https://oauth2:secret@gitlab.example.com/group/sub/app.git") == (
        "gitlab", "group/sub/app", "https://gitlab.example.com"
    )  # fmt: skip
    assert from_remote("ssh://git@gitlab.com/group/app.git") == ("gitlab", "group/app", None)


def test_an_unknown_host_is_refused_in_one_line_naming_what_to_set(tmp_path) -> None:
    with pytest.raises(TargetError, match="ORCHESTRATE_CI_PROVIDER") as refused:
        target({}, tmp_path, "https://git.example.org/team/app.git")
    assert "\n" not in str(refused.value)


def test_circleci_has_no_repository_api_and_says_so() -> None:
    circleci = get_provider("circleci", "gh/octo-org/octo-repo", token="t")
    with pytest.raises(UnsupportedOperation, match="circleci cannot write commits"):
        circleci.create_commit(branch="b", parent="a" * 40, message="m", files=[FileChange("a", b"")])
    with pytest.raises(UnsupportedOperation, match="GitHub or GitLab"):
        circleci.open_pull_request(head="b", base="main", title="t", body="")
