"""Publishing a fix (``orchestrate fix --push``): a real git repository and a real bare remote, the
provider's API faked at HTTP. The commit lands on a new branch with its trailer, by git when the remote
takes it and through the API when not; a pull request opens once; the default and current branches are
never written; the checkout is left as it was."""

from __future__ import annotations

from pathlib import Path as _Path

import pytest

if not (_Path(__file__).resolve().parents[3] / ".." / "shared" / "corpus").is_dir():
    pytest.skip("the shared corpus is not here; it lives beside the repository", allow_module_level=True)

import json
from pathlib import Path

import pytest
import responses

from agent.fix.publish import PublishError, fix_job_of, publish, trailers_of
from tests.agent.fix.publish_fakes import (
    FakeGitHub,
    FakeGitLab,
    bare_remote,
    fix_work_tree,
    git,
    github_pull,
    work_tree,
)

RUN_URL = "https://github.com/octo-org/octo-repo/actions/runs/30433642"
GITHUB_ENV = {
    "ORCHESTRATE_CI_PROVIDER": "github",
    "ORCHESTRATE_REPO": "octo-org/octo-repo",
    "GITHUB_TOKEN": "t",
}


@pytest.fixture
def api():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def call(tree: Path, env: dict, fix_job: str | None = "42") -> dict:
    return dict(publish(tree, title="Format app.py", body="ruff format fixed app.py.", fix_job=fix_job,
                        run_url=RUN_URL, env=env))  # fmt: skip


def posted(api: responses.RequestsMock, suffix: str) -> list[dict]:
    return [
        json.loads(c.request.body)
        for c in api.calls
        if c.request.method == "POST" and c.request.url.endswith(suffix)
    ]


def test_it_pushes_the_fix_with_git_as_a_new_branch_and_opens_a_pull_request(tmp_path, api) -> None:
    remote = bare_remote(tmp_path)
    tree = work_tree(tmp_path, remote=remote)
    github = FakeGitHub(remote=remote).install(api)
    fix_work_tree(tree)

    result = call(tree, GITHUB_ENV)

    assert result["branch"] == "orchestrate/fix-42"
    assert result["via"] == "git"
    assert git(remote, "rev-parse", "refs/heads/orchestrate/fix-42") == result["commit"]
    assert git(remote, "rev-parse", f"{result['commit']}^") == git(tree, "rev-parse", "main")
    assert result["pull_request_url"] == "https://github.com/octo-org/octo-repo/pull/1"
    [pull] = posted(api, "/pulls")
    assert (pull["head"], pull["base"], pull["title"]) == ("orchestrate/fix-42", "main", "Format app.py")
    assert RUN_URL in pull["body"]
    assert "ruff format fixed app.py." in pull["body"]
    assert github.blobs == []  # nothing went through the git data API


def test_the_pushed_commit_names_its_fix_job_and_run_in_trailers(tmp_path, api) -> None:
    remote = bare_remote(tmp_path)
    tree = work_tree(tmp_path, remote=remote)
    FakeGitHub(remote=remote).install(api)
    fix_work_tree(tree)

    result = call(tree, GITHUB_ENV)

    message = git(remote, "log", "-1", "--format=%B", result["commit"])
    assert trailers_of(message) == {"Orchestrate-Fix-Job": "42", "Orchestrate-Run": RUN_URL}
    assert (
        git(remote, "log", "-1", "--format=%(trailers:key=Orchestrate-Fix-Job,valueonly)", result["commit"])
        == "42"
    )
    changed = git(
        remote, "diff-tree", "-r", "--no-commit-id", "--name-status", f"{result['commit']}^", result["commit"]
    )
    assert sorted(changed.splitlines()) == ["A\trequirements.txt", "D\told.txt", "M\tapp.py", "M\trun.sh"]


def test_the_checkout_is_left_as_it_was(tmp_path, api) -> None:
    remote = bare_remote(tmp_path)
    tree = work_tree(tmp_path, remote=remote)
    FakeGitHub(remote=remote).install(api)
    fix_work_tree(tree)
    before = (
        git(tree, "rev-parse", "HEAD"),
        git(tree, "status", "--porcelain"),
        git(tree, "branch", "--show-current"),
    )

    call(tree, GITHUB_ENV)

    after = (
        git(tree, "rev-parse", "HEAD"),
        git(tree, "status", "--porcelain"),
        git(tree, "branch", "--show-current"),
    )
    assert after == before


def test_without_a_remote_that_takes_the_push_it_writes_the_commit_through_githubs_git_data_api(
    tmp_path, api
) -> None:
    tree = work_tree(tmp_path, remote=tmp_path / "gone.git")  # no such remote: the push is refused
    github = FakeGitHub().install(api)
    fix_work_tree(tree)
    parent = git(tree, "rev-parse", "HEAD")

    result = call(tree, GITHUB_ENV)

    assert result["via"] == "api"
    assert result["commit"] == "d" * 40
    assert github.branches["orchestrate/fix-42"] == "d" * 40
    assert sorted(github.blobs) == [b"PyYAML\n", b"echo hi\n", b"import os\n\nx = 1\n"]
    [tree_sent] = github.trees
    assert tree_sent["base_tree"] == "e" * 40  # the parent commit's tree
    entries = {entry["path"]: entry for entry in tree_sent["tree"]}
    assert entries["old.txt"]["sha"] is None
    assert entries["run.sh"]["mode"] == "100755"
    assert entries["app.py"]["mode"] == "100644"
    [commit] = github.commits
    assert commit["parents"] == [parent]
    assert trailers_of(commit["message"])["Orchestrate-Fix-Job"] == "42"
    assert result["pull_request"] == "1"


def test_on_gitlab_ci_it_writes_the_commit_with_actions_and_opens_a_merge_request(tmp_path, api) -> None:
    tree = work_tree(tmp_path, remote=None)
    git(tree, "checkout", "-q", "--detach")  # as GitLab checks out
    gitlab = FakeGitLab().install(api)
    fix_work_tree(tree)
    env = {"GITLAB_CI": "true", "CI_PROJECT_PATH": "group/app", "CI_SERVER_URL": "https://gitlab.com",
           "CI_API_V4_URL": "https://gitlab.com/api/v4", "GITLAB_TOKEN": "glpat-x",
           "CI_COMMIT_BRANCH": "develop"}  # fmt: skip

    result = call(tree, env, fix_job="7")

    assert (result["provider"], result["via"], result["base"]) == ("gitlab", "api", "develop")
    [commit] = gitlab.commits
    assert commit["branch"] == "orchestrate/fix-7"
    assert commit["start_sha"] == git(tree, "rev-parse", "HEAD")
    actions = {a["file_path"]: a for a in commit["actions"]}
    assert {path: a["action"] for path, a in actions.items()} == {
        "app.py": "update", "old.txt": "delete", "requirements.txt": "create", "run.sh": "update"
    }  # fmt: skip
    assert actions["run.sh"]["execute_filemode"] is True
    assert trailers_of(commit["commit_message"])["Orchestrate-Fix-Job"] == "7"
    [mr] = gitlab.merge_requests
    assert (mr["source_branch"], mr["target_branch"]) == ("orchestrate/fix-7", "develop")
    assert result["pull_request_url"] == "https://gitlab.com/group/app/-/merge_requests/1"


def test_publishing_the_same_fix_job_again_returns_its_pull_request_and_writes_nothing(tmp_path, api) -> None:
    remote = bare_remote(tmp_path)
    tree = work_tree(tmp_path, remote=remote)
    github = FakeGitHub(remote=remote).install(api)
    fix_work_tree(tree)
    first = call(tree, GITHUB_ENV)
    github.branches["orchestrate/fix-42"] = first["commit"]

    again = call(tree, GITHUB_ENV)

    assert again["reused"] is True
    assert again["pull_request_url"] == first["pull_request_url"]
    assert len(posted(api, "/pulls")) == 1
    assert len(github.pulls) == 1


def round_two(tmp_path: Path, api: responses.RequestsMock) -> tuple[Path, Path, dict]:
    """Round 1 published; the checkout is now the fix branch (the hub's round 2 dispatch), changed again."""
    remote = bare_remote(tmp_path)
    tree = work_tree(tmp_path, remote=remote)
    FakeGitHub(remote=remote).install(api)
    fix_work_tree(tree)
    first = call(tree, GITHUB_ENV)
    git(tree, "checkout", "-q", "-f", "-B", "orchestrate/fix-42", first["commit"])
    (tree / "app.py").write_text("import os\n\nx = 2\n")
    return tree, remote, first


def test_a_later_round_pushes_onto_its_fix_branch_and_keeps_its_pull_request(tmp_path, api) -> None:
    tree, remote, first = round_two(tmp_path, api)

    result = call(tree, GITHUB_ENV)

    assert (result["round"], result["via"]) == (True, "git")
    assert git(remote, "rev-parse", "refs/heads/orchestrate/fix-42") == result["commit"]
    assert git(remote, "rev-parse", f"{result['commit']}^") == first["commit"]
    assert result["pull_request_url"] == first["pull_request_url"]
    assert len(posted(api, "/pulls")) == 1


def test_a_later_round_whose_branch_moved_meanwhile_is_refused(tmp_path, api) -> None:
    tree, remote, first = round_two(tmp_path, api)
    other = tmp_path / "other"
    git(tmp_path, "clone", "-q", "-b", "orchestrate/fix-42", str(remote), str(other))
    git(
        other,
        "-c",
        "user.email=p@example.com",
        "-c",
        "user.name=P",
        "commit",
        "-q",
        "--allow-empty",
        "-m",
        "x",
    )
    git(other, "push", "-q", "origin", "orchestrate/fix-42")

    with pytest.raises(PublishError, match=r"the fix branch moved to \w+ since"):
        call(tree, GITHUB_ENV)
    assert git(remote, "rev-parse", "refs/heads/orchestrate/fix-42^") == first["commit"]


def test_it_refuses_to_publish_onto_the_branch_checked_out(tmp_path, api) -> None:
    remote = bare_remote(tmp_path)
    tree = work_tree(tmp_path, remote=remote)
    git(tree, "checkout", "-q", "-b", "orchestrate/fix-42")
    FakeGitHub(remote=remote).install(api)
    fix_work_tree(tree)

    with pytest.raises(
        PublishError, match="refusing to publish onto 'orchestrate/fix-42': the fix branch is not"
    ):
        call(tree, GITHUB_ENV)
    assert git(remote, "for-each-ref", "--format=%(refname)") == "refs/heads/main"
    assert posted(api, "/pulls") == []


def test_a_clean_work_tree_has_nothing_to_publish(tmp_path, api) -> None:
    tree = work_tree(tmp_path, remote=bare_remote(tmp_path))
    with pytest.raises(PublishError, match="nothing to publish"):
        call(tree, GITHUB_ENV)
    assert len(api.calls) == 0


def test_without_a_token_it_says_which_variable_to_set(tmp_path, api) -> None:
    tree = work_tree(tmp_path, remote=bare_remote(tmp_path))
    fix_work_tree(tree)
    env = {k: v for k, v in GITHUB_ENV.items() if k != "GITHUB_TOKEN"}
    with pytest.raises(PublishError, match="GITHUB_TOKEN"):
        call(tree, env)
    assert len(api.calls) == 0


def test_a_fix_job_that_is_not_an_id_is_refused_before_anything_runs(tmp_path, api) -> None:
    tree = work_tree(tmp_path, remote=bare_remote(tmp_path))
    fix_work_tree(tree)
    with pytest.raises(PublishError, match="not an id"):
        call(tree, GITHUB_ENV, fix_job="../main")


def test_without_a_fix_job_the_branch_is_named_by_the_commit(tmp_path, api) -> None:
    remote = bare_remote(tmp_path)
    tree = work_tree(tmp_path, remote=remote)
    FakeGitHub(remote=remote).install(api)
    fix_work_tree(tree)
    result = call(tree, GITHUB_ENV, fix_job=None)
    assert result["branch"] == f"orchestrate/fix-{result['commit'][:12]}"
    assert "Orchestrate-Fix-Job" not in trailers_of(git(tree, "log", "-1", "--format=%B", result["commit"]))


def test_the_hub_reads_the_fix_job_back_from_the_branch_name() -> None:
    assert fix_job_of("orchestrate/fix-42") == "42"
    assert fix_job_of("feature/fix-42") is None
    assert fix_job_of("orchestrate/fix-") is None


def test_a_fork_pull_request_is_told_apart_from_one_of_the_repository() -> None:
    from agent.providers._github_changes import pull_request_info

    assert pull_request_info(github_pull(3, "fix", "main")).from_fork is False
    assert pull_request_info(github_pull(3, "fix", "main", fork=True)).from_fork is True
