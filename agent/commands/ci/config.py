"""Which CI, which repository, which API and which token an ``orchestrate ci`` command talks to.

Every value is looked up in the same order, the first source that has it winning:

1. the command's flags (``--provider``, ``--repo``, ``--api-url``);
2. the environment: ``ORCHESTRATE_CI_PROVIDER``, ``ORCHESTRATE_REPO``, ``ORCHESTRATE_API_URL``,
   ``ORCHESTRATE_CI_TOKEN`` (or ``ORCHESTRATE_CI_TOKEN_FILE``), then the provider's usual variables
   (``GH_TOKEN``/``GITHUB_TOKEN``, ``GITLAB_TOKEN``/``CI_JOB_TOKEN``, ``CIRCLE_TOKEN``/``CIRCLECI_TOKEN``,
   ``GITHUB_API_URL``, ``CI_API_V4_URL``);
3. the ``ci:`` block of ``.orchestrate.yml``, found from the working directory upwards to the git root;
4. the CI the command runs in (``agent.ci`` detection): its provider, repository and current run.

A source's repository, API URL and run describe *its* provider, so they are used only when that is the
provider in use: a ``.orchestrate.yml`` written for GitLab does not lend its project path to ``--provider
github``, and inside a GitHub job the current run is the default only for the job's own repository.

``${VAR}`` in the file's ``ci:`` block is replaced from the environment here, once, and only when the
file's provider is the one in use, so a provider receives ``config`` already expanded (the custom provider
must not expand it again). The token is never printed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agent.commands.base import UsageError
from agent.commands.ci.config_file import expand_file, find_file, load_file

PROVIDERS: tuple[str, ...] = ("github", "gitlab", "circleci", "custom")

# The variables each provider's own tools read for a token, in the order they are tried.
TOKEN_VARIABLES: dict[str, tuple[str, ...]] = {
    "github": ("GH_TOKEN", "GITHUB_TOKEN"),
    "gitlab": ("GITLAB_TOKEN", "CI_JOB_TOKEN"),
    "circleci": ("CIRCLE_TOKEN", "CIRCLECI_TOKEN"),
    "custom": (),
}
API_URL_VARIABLES: dict[str, str] = {"github": "GITHUB_API_URL", "gitlab": "CI_API_V4_URL"}
# agent.ci names the flavour (Enterprise Server, self-managed); the API client is the same.
CI_PROVIDERS: dict[str, str] = {
    "github": "github",
    "github-enterprise": "github",
    "gitlab": "gitlab",
    "gitlab-self-managed": "gitlab",
    "circleci": "circleci",
}
JOB_TOKEN_VARIABLE = "CI_JOB_TOKEN"  # noqa: S105 (a variable name, not a secret)

TOKEN_HINTS: dict[str, str] = {
    "github": "set GH_TOKEN (or GITHUB_TOKEN, or ORCHESTRATE_CI_TOKEN) to a fine-grained token with "
    '"Actions: read and write" and "Contents: read" on the repository, or a classic token with the repo and '
    "workflow scopes; inside a workflow pass GH_TOKEN: ${{ github.token }} with permissions: actions: write",
    "gitlab": "set GITLAB_TOKEN (or ORCHESTRATE_CI_TOKEN) to a personal, group or project access token with "
    "the api scope (read_api is enough for list, status, wait, logs and artifacts); CI_JOB_TOKEN is used "
    "when nothing else is set, but a job token can only trigger pipelines and fetch artifacts",
    "circleci": "set CIRCLE_TOKEN (or CIRCLECI_TOKEN, or ORCHESTRATE_CI_TOKEN) to a CircleCI personal API "
    "token (User Settings > Personal API Tokens)",
    "custom": "set the token your CI expects in ci.config.auth of .orchestrate.yml "
    "(token: ${CI_TOKEN}), or ORCHESTRATE_CI_TOKEN",
}


@dataclass(frozen=True)
class CiConfig:
    """Everything needed to build a provider client, resolved once per command."""

    provider: str
    repo: str
    api_url: str | None = None
    token: str | None = field(default=None, repr=False)
    token_variable: str | None = None  # where the token came from (a variable name, never the value)
    config: dict[str, Any] = field(default_factory=dict, repr=False)
    current_run: str | None = None  # the run this command runs in, when it is on this provider and repo
    current_branch: str | None = None

    @property
    def job_token(self) -> bool:
        return self.token_variable == JOB_TOKEN_VARIABLE

    def token_hint(self) -> str:
        return TOKEN_HINTS[self.provider]

    def client_config(self) -> dict[str, Any]:
        """The provider client's ``config``: the file's ``ci.config``, and for GitLab which kind of token
        it got (a ``CI_JOB_TOKEN`` goes in a different header and can do less)."""
        extra: dict[str, Any] = {"token_type": "job"} if self.job_token else {}
        return {**self.config, **extra}


@dataclass(frozen=True)
class CurrentCi:
    """What the CI this command runs in says about itself."""

    provider: str | None = None
    repo: str | None = None
    run_id: str | None = None
    branch: str | None = None


def resolve(
    env: Mapping[str, str],
    *,
    provider: str | None = None,
    repo: str | None = None,
    api_url: str | None = None,
    cwd: Path | None = None,
) -> CiConfig:
    """The configuration for one command from its flags, ``env`` and ``.orchestrate.yml``; UsageError
    when something is missing or wrong, naming what to set."""
    found = load_file(find_file(cwd or Path.cwd()), env)
    ci = current_ci(env)

    provider = _first(
        (provider, "--provider"),
        (_text(env, "ORCHESTRATE_CI_PROVIDER"), "ORCHESTRATE_CI_PROVIDER"),
        (found.provider, str(found.path)),
        (ci.provider, "the CI this runs in"),
        check=_provider,
    )
    if provider is None:
        raise UsageError(
            "no CI provider: pass --provider (one of " + ", ".join(PROVIDERS) + "), set "
            "ORCHESTRATE_CI_PROVIDER, or add ci: provider: to .orchestrate.yml"
        )
    file_applies = found.provider in (None, provider)
    if file_applies:
        found = expand_file(found, env)
    ci_applies = ci.provider == provider

    repo = _first(
        (repo, "--repo"),
        (_text(env, "ORCHESTRATE_REPO"), "ORCHESTRATE_REPO"),
        (found.repo if file_applies else None, str(found.path)),
        (ci.repo if ci_applies else None, "the CI this runs in"),
        check=lambda value, source: _repo(value, source, provider),
    )
    if repo is None:
        raise UsageError(
            "no repository: pass --repo OWNER/NAME, set ORCHESTRATE_REPO, "
            "or add ci: repo: to .orchestrate.yml"
        )

    api_variable = API_URL_VARIABLES.get(provider)
    api_url = _first(
        (api_url, "--api-url"),
        (_text(env, "ORCHESTRATE_API_URL"), "ORCHESTRATE_API_URL"),
        (_text(env, api_variable) if api_variable else None, api_variable or ""),
        (found.api_url if file_applies else None, str(found.path)),
        check=_api_url,
    )

    token, token_variable = _token(env, provider)
    same_repo = ci_applies and ci.repo is not None and ci.repo.lower() == repo.lower()
    return CiConfig(
        provider=provider,
        repo=repo,
        api_url=api_url,
        token=token,
        token_variable=token_variable,
        config=found.config if file_applies else {},
        current_run=ci.run_id if same_repo else None,
        current_branch=ci.branch if same_repo else None,
    )


def current_ci(env: Mapping[str, str]) -> CurrentCi:
    """The provider, repository and run of the CI this runs in, from the CI's own variables only."""
    from agent.ci import detector_for, generic

    detector = detector_for(env)
    if detector is generic or detector.PROVIDER not in CI_PROVIDERS:
        return CurrentCi()
    context = detector.context(env)
    provider = CI_PROVIDERS.get(context.provider, CI_PROVIDERS[detector.PROVIDER])
    return CurrentCi(
        provider=provider,
        repo=context.repository,
        # On CircleCI this is the workflow (CIRCLE_WORKFLOW_ID), which its client takes as a run of its own.
        run_id=context.run_id,
        branch=context.branch,
    )


def _token(env: Mapping[str, str], provider: str) -> tuple[str | None, str | None]:
    from agent.settings import SettingsError
    from agent.settings import _secret as secret

    try:
        token = secret(env, "ORCHESTRATE_CI_TOKEN")
    except SettingsError as exc:
        raise UsageError(str(exc)) from None
    if token:
        return token, "ORCHESTRATE_CI_TOKEN"
    for name in TOKEN_VARIABLES[provider]:
        if value := _text(env, name):
            return value, name
    return None, None


def _first(*candidates: tuple[str | None, str], check: Any) -> str | None:
    """The first candidate value that is set, checked (the check names the source in its error)."""
    for value, source in candidates:
        if value is not None and value.strip():
            return check(value.strip(), source)
    return None


def _provider(value: str, source: str) -> str:
    if value not in PROVIDERS:
        raise UsageError(f"{source}: unknown CI provider {value!r}; expected one of {', '.join(PROVIDERS)}")
    return value


def _repo(value: str, source: str, provider: str) -> str:
    if any(ch.isspace() for ch in value) or (provider != "custom" and "/" not in value.strip("/")):
        raise UsageError(f"{source}: repository {value!r} should look like OWNER/NAME")
    return value


def _api_url(value: str, source: str) -> str:
    from agent.settings import SettingsError, check_url

    try:
        return check_url(value, source)
    except SettingsError as exc:
        raise UsageError(str(exc)) from None


def _text(env: Mapping[str, str], name: str) -> str | None:
    value = env.get(name)
    return value.strip() if value and value.strip() else None
