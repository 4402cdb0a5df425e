"""Where ``orchestrate validate`` puts its verdict beside the commit: a commit status on GitHub or GitLab.

Everything is resolved before the build starts (provider, repository, token, commit), so a missing token is
said in the first second rather than after a ten-minute build. The provider, repository, API URL and token
come from the same places as for ``orchestrate ci`` (``agent.commands.ci.config.resolve``); the commit from
``--sha`` or the CI the command runs in. ``pending`` is set when validation starts and the verdict when it
ends, under one context, which each provider replaces in place.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from agent.commands.base import UsageError
from agent.commands.ci.config import resolve
from agent.providers import Provider, ProviderError, get_provider
from agent.providers.statuses import FAILURE, PENDING, SUCCESS, CommitStatus, check_status

STATUS_PROVIDERS = ("github", "gitlab")


@dataclass(frozen=True)
class StatusTarget:
    provider: Provider
    sha: str
    context: str
    target_url: str

    def set(self, state: str, description: str) -> CommitStatus:
        return self.provider.set_commit_status(
            self.sha, state, context=self.context, description=description, target_url=self.target_url
        )

    def verdict(self, ok: bool, description: str) -> CommitStatus:
        return self.set(SUCCESS if ok else FAILURE, description)


def target(
    env: Mapping[str, str],
    *,
    provider: str | None,
    repo: str | None,
    api_url: str | None,
    sha: str | None,
    context: str,
    target_url: str,
) -> StatusTarget:
    """The provider client and commit to mark; UsageError naming what to set when something is missing."""
    config = resolve(env, provider=provider, repo=repo, api_url=api_url)
    if config.provider not in STATUS_PROVIDERS:
        raise UsageError(
            f"{config.provider} has no commit statuses; use --provider github or gitlab with --commit-status"
        )
    if config.token is None:
        raise UsageError(f"no token to set the commit status: {config.token_hint()}")
    sha = sha or _ci_commit(env)
    if not sha:
        raise UsageError("no commit to mark: pass --sha COMMIT (in a CI job it is read from the CI)")
    try:
        sha = check_status(sha, PENDING)
        client = get_provider(
            config.provider,
            config.repo,
            token=config.token,
            api_url=config.api_url,
            config={"token_type": "job"} if config.job_token else {},
        )
    except (ValueError, ProviderError) as exc:
        raise UsageError(str(exc)) from None
    return StatusTarget(client, sha, context, target_url or _ci_url(env))


def _ci_commit(env: Mapping[str, str]) -> str | None:
    from agent.ci import detector_for, generic

    detector = detector_for(env)
    return None if detector is generic else detector.context(env).commit_sha


def _ci_url(env: Mapping[str, str]) -> str:
    """The job's page, for the status's link, when the CI says where it is."""
    if env.get("GITHUB_SERVER_URL") and env.get("GITHUB_REPOSITORY") and env.get("GITHUB_RUN_ID"):
        return f"{env['GITHUB_SERVER_URL']}/{env['GITHUB_REPOSITORY']}/actions/runs/{env['GITHUB_RUN_ID']}"
    return env.get("CI_JOB_URL", "")
