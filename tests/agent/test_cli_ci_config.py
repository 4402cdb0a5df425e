"""Which CI, repository, API and token an ``orchestrate ci`` command uses: flags, then the environment,
then ``.orchestrate.yml``, then the CI the command runs in."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.commands.base import UsageError
from agent.commands.ci.config import resolve
from agent.commands.ci.config_file import find_file

GITHUB_JOB = {
    "GITHUB_ACTIONS": "true",
    "GITHUB_REPOSITORY": "octo/from-ci",
    "GITHUB_RUN_ID": "777",
    "GITHUB_REF": "refs/heads/feature",
    "GITHUB_REF_NAME": "feature",
    "GITHUB_API_URL": "https://api.github.com",
    "GITHUB_TOKEN": "ghs_job",
}


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A git checkout with a sub-directory to run from."""
    (tmp_path / "repo" / ".git").mkdir(parents=True)
    (tmp_path / "repo" / "src" / "pkg").mkdir(parents=True)
    return tmp_path / "repo"


def write_config(directory: Path, text: str) -> Path:
    path = directory / ".orchestrate.yml"
    path.write_text(text)
    return path


FILE = "ci:\n  provider: github\n  repo: octo/from-file\n  api_url: https://ghe.example.com/api/v3\n"


def test_a_flag_wins_over_the_environment_and_the_file(checkout: Path) -> None:
    write_config(checkout, FILE)
    env = {"ORCHESTRATE_REPO": "octo/from-env", "GH_TOKEN": "t"}

    config = resolve(env, repo="octo/from-flag", cwd=checkout)

    assert config.repo == "octo/from-flag"


def test_the_environment_wins_over_the_file(checkout: Path) -> None:
    write_config(checkout, FILE)
    env = {"ORCHESTRATE_REPO": "octo/from-env", "ORCHESTRATE_API_URL": "https://env.example.com/api/v3/"}

    config = resolve(env, cwd=checkout)

    assert (config.repo, config.api_url) == ("octo/from-env", "https://env.example.com/api/v3")


def test_the_file_is_used_when_neither_flag_nor_variable_is_set(checkout: Path) -> None:
    write_config(checkout, FILE)

    config = resolve({}, cwd=checkout)

    assert (config.provider, config.repo) == ("github", "octo/from-file")
    assert config.api_url == "https://ghe.example.com/api/v3"


def test_the_file_is_found_from_a_sub_directory_of_the_checkout(checkout: Path) -> None:
    path = write_config(checkout, FILE)

    assert find_file(checkout / "src" / "pkg") == path.resolve()


def test_the_search_stops_at_the_git_root(tmp_path: Path, checkout: Path) -> None:
    write_config(tmp_path, FILE)  # above the checkout: another project's file

    assert find_file(checkout / "src") is None


def test_outside_a_checkout_only_the_working_directory_is_searched(tmp_path: Path) -> None:
    write_config(tmp_path, FILE)
    (tmp_path / "below").mkdir()

    assert find_file(tmp_path / "below") is None
    assert find_file(tmp_path) == (tmp_path / ".orchestrate.yml").resolve()


def test_variables_in_the_custom_config_are_expanded_from_the_environment(checkout: Path) -> None:
    write_config(
        checkout,
        "ci:\n  provider: custom\n  repo: build\n  config:\n"
        "    status_url: https://ci.example.com/api/status/{run_id}\n"
        "    auth:\n      type: bearer\n      token: ${CI_TOKEN}\n",
    )

    config = resolve({"CI_TOKEN": "s3cret"}, cwd=checkout)

    assert config.provider == "custom"
    assert config.config["auth"] == {"type": "bearer", "token": "s3cret"}
    assert config.config["status_url"] == "https://ci.example.com/api/status/{run_id}"


def test_an_unset_variable_in_the_file_names_the_variable(checkout: Path) -> None:
    write_config(checkout, "ci:\n  provider: custom\n  repo: b\n  config:\n    token: ${CI_TOKEN}\n")

    with pytest.raises(UsageError, match=r"\$\{CI_TOKEN\}, which is not set; set CI_TOKEN"):
        resolve({}, cwd=checkout)


def test_the_file_of_another_provider_lends_nothing_and_needs_no_variables(checkout: Path) -> None:
    write_config(checkout, "ci:\n  provider: custom\n  repo: build\n  config:\n    token: ${UNSET}\n")

    config = resolve({}, provider="github", repo="octo/app", cwd=checkout)

    assert (config.provider, config.repo, config.config) == ("github", "octo/app", {})


def test_an_unknown_key_in_the_ci_block_is_an_error_naming_it(checkout: Path) -> None:
    write_config(checkout, "ci:\n  provider: github\n  repository: octo/app\n")

    with pytest.raises(UsageError, match=r"unknown key.*repository"):
        resolve({}, cwd=checkout)


def test_invalid_yaml_is_an_error_with_the_file_and_line(checkout: Path) -> None:
    path = write_config(checkout, "ci:\n  provider: github\n  repo: [unclosed\n")

    with pytest.raises(UsageError, match=rf"{path.name} line \d+"):
        resolve({}, cwd=checkout)


def test_yaml_tags_are_not_executed(checkout: Path) -> None:
    write_config(checkout, "ci: !!python/object/apply:os.system ['true']\n")

    with pytest.raises(UsageError, match="line 1"):
        resolve({}, cwd=checkout)


def test_inside_github_actions_the_current_repository_and_run_are_the_defaults(tmp_path: Path) -> None:
    config = resolve(GITHUB_JOB, cwd=tmp_path)

    assert (config.provider, config.repo, config.current_run) == ("github", "octo/from-ci", "777")
    assert (config.current_branch, config.api_url) == ("feature", "https://api.github.com")
    assert (config.token, config.token_variable) == ("ghs_job", "GITHUB_TOKEN")


def test_the_file_wins_over_the_current_ci_and_then_the_current_run_is_not_a_default(checkout: Path) -> None:
    write_config(checkout, FILE)

    config = resolve(GITHUB_JOB, cwd=checkout)

    assert config.repo == "octo/from-file"
    assert config.current_run is None  # run 777 belongs to octo/from-ci


def test_the_current_run_is_no_default_for_another_provider(tmp_path: Path) -> None:
    config = resolve({**GITHUB_JOB, "GITLAB_TOKEN": "glpat"}, provider="gitlab", repo="g/p", cwd=tmp_path)

    assert config.current_run is None
    assert config.api_url is None  # GITHUB_API_URL is GitHub's, not GitLab's


def test_gitlab_jobs_default_to_their_project_pipeline_and_api(tmp_path: Path) -> None:
    env = {
        "GITLAB_CI": "true",
        "CI_PROJECT_PATH": "group/sub/app",
        "CI_PIPELINE_ID": "4242",
        "CI_API_V4_URL": "https://gitlab.example.com/api/v4",
        "CI_SERVER_URL": "https://gitlab.example.com",
        "CI_JOB_TOKEN": "job-token",
    }

    config = resolve(env, cwd=tmp_path)

    assert (config.provider, config.repo, config.current_run) == ("gitlab", "group/sub/app", "4242")
    assert config.api_url == "https://gitlab.example.com/api/v4"
    assert config.job_token is True


def test_a_gitlab_token_is_preferred_over_the_job_token(tmp_path: Path) -> None:
    env = {"CI_JOB_TOKEN": "job", "GITLAB_TOKEN": "glpat"}

    config = resolve(env, provider="gitlab", repo="g/p", cwd=tmp_path)

    assert (config.token, config.job_token) == ("glpat", False)


@pytest.mark.parametrize(
    ("provider", "variable"),
    [
        ("github", "GH_TOKEN"),
        ("github", "GITHUB_TOKEN"),
        ("gitlab", "GITLAB_TOKEN"),
        ("circleci", "CIRCLE_TOKEN"),
        ("circleci", "CIRCLECI_TOKEN"),
    ],
)
def test_each_provider_reads_its_usual_token_variable(tmp_path: Path, provider: str, variable: str) -> None:
    config = resolve({variable: "tok"}, provider=provider, repo="o/r", cwd=tmp_path)

    assert (config.token, config.token_variable) == ("tok", variable)


def test_gh_token_wins_over_github_token_as_with_gh(tmp_path: Path) -> None:
    config = resolve({"GITHUB_TOKEN": "b", "GH_TOKEN": "a"}, provider="github", repo="o/r", cwd=tmp_path)

    assert config.token == "a"


def test_orchestrate_ci_token_wins_over_the_provider_variables(tmp_path: Path) -> None:
    env = {"GH_TOKEN": "a", "ORCHESTRATE_CI_TOKEN": "mine"}

    assert resolve(env, provider="github", repo="o/r", cwd=tmp_path).token == "mine"


def test_the_token_can_come_from_a_file(tmp_path: Path) -> None:
    (tmp_path / "token").write_text("from-file\n")
    env = {"ORCHESTRATE_CI_TOKEN_FILE": str(tmp_path / "token")}

    assert resolve(env, provider="github", repo="o/r", cwd=tmp_path).token == "from-file"


def test_no_provider_anywhere_says_what_to_set(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"--provider.*ORCHESTRATE_CI_PROVIDER.*\.orchestrate\.yml"):
        resolve({}, repo="o/r", cwd=tmp_path)


def test_no_repository_anywhere_says_what_to_set(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"--repo OWNER/NAME.*ORCHESTRATE_REPO"):
        resolve({}, provider="github", cwd=tmp_path)


def test_an_unknown_provider_names_its_source(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="ORCHESTRATE_CI_PROVIDER: unknown CI provider 'jenkins'"):
        resolve({"ORCHESTRATE_CI_PROVIDER": "jenkins"}, repo="o/r", cwd=tmp_path)


def test_a_malformed_api_url_names_its_source(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="--api-url"):
        resolve({}, provider="github", repo="o/r", api_url="ghe.example.com", cwd=tmp_path)


def test_circleci_jobs_default_to_their_project_and_their_workflow(tmp_path: Path) -> None:
    env = {
        "CIRCLECI": "true",
        "CIRCLE_PROJECT_USERNAME": "octo",
        "CIRCLE_PROJECT_REPONAME": "app",
        "CIRCLE_WORKFLOW_ID": "6f1b6e1c-0000-4000-8000-000000000000",
        "CIRCLE_BRANCH": "main",
        "CIRCLE_TOKEN": "tok",
    }

    config = resolve(env, cwd=tmp_path)

    assert (config.provider, config.repo, config.current_branch) == ("circleci", "octo/app", "main")
    assert config.current_run == "6f1b6e1c-0000-4000-8000-000000000000"  # CIRCLE_WORKFLOW_ID
