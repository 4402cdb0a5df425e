"""On GitHub Actions, the job's display name and numeric id, so the agent's report and GitHub's
``workflow_job`` webhooks name the same job in the same way.

``GITHUB_JOB`` is the job's key in the workflow file (``test``); GitHub shows, and its webhooks send, the
display name (``test (ubuntu, 3.12)`` for a matrix cell, or the job's ``name:``) and a numeric id. No
environment variable carries either, so ``orchestrate report`` asks the API for the jobs of the current run
attempt and takes the one in progress on this runner (``RUNNER_NAME``: a runner runs one job at a time).

Bounded and optional: one request (two for an attempt of more than 100 jobs) with a short timeout, no
retries, no waiting out a rate limit. Whatever goes wrong (no token, a token without ``actions: read``, the
network) leaves ``GITHUB_JOB`` as the name and returns a one-line note saying how to get display names;
the step never fails because of it.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Mapping

from agent.model import RunContext

LOOKUP_TIMEOUT = 5.0  # seconds per request; the lookup is a nicety, not worth holding a job up
MAX_JOBS = 200  # two pages of 100: a matrix larger than that is looked for in its first 200 jobs
GITHUB_PROVIDERS = frozenset({"github", "github-enterprise"})
TOKEN_VARIABLES = ("GITHUB_TOKEN", "GH_TOKEN")  # the action passes its github-token input as GITHUB_TOKEN
HOW_TO = (
    "for display names the step needs a token that may read the run's jobs: the action passes github.token "
    "(input github-token), the CLI reads GITHUB_TOKEN or GH_TOKEN; the workflow or job needs "
    "`permissions: actions: read` when it sets permissions"
)


@dataclasses.dataclass(frozen=True)
class Resolved:
    """The run context with the job's display name, id and URL, or as detected plus why not (``note``)."""

    context: RunContext
    note: str | None = None


def github_token(env: Mapping[str, str]) -> str | None:
    for name in TOKEN_VARIABLES:
        value = (env.get(name) or "").strip()
        if value:
            return value
    return None


def applies(context: RunContext, env: Mapping[str, str]) -> bool:
    """Whether to look: a GitHub Actions job the detector found, whose name nobody set explicitly."""
    from agent.ci import github, overrides

    explicit = overrides.ENV_PREFIX + overrides.FIELDS["job_name"][0]
    return (
        github.detects(env) and context.provider in GITHUB_PROVIDERS and not (env.get(explicit) or "").strip()
    )


def resolve(
    context: RunContext,
    env: Mapping[str, str],
    *,
    timeout: float = LOOKUP_TIMEOUT,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> Resolved:
    """``context`` with the display name, id and URL of the job running this step, when the API says."""
    token = github_token(env)
    runner = (env.get("RUNNER_NAME") or "").strip()
    if not token:
        return _fallback(context, "no GitHub token")
    if not runner or not context.repository or not context.run_id:
        return _fallback(context, "RUNNER_NAME, GITHUB_REPOSITORY or GITHUB_RUN_ID is not set")

    from agent.providers.base import AuthenticationError, NotFoundError, ProviderError
    from agent.providers.github import GitHubProvider

    try:
        provider = GitHubProvider(
            context.repository,
            token=token,
            api_url=(env.get("GITHUB_API_URL") or "").strip() or context.server_url,
            timeout=min(timeout, LOOKUP_TIMEOUT),
            config={"max_rate_limit_wait": 0, "retries": 0},
            sleep=sleep,
            clock=clock,
        )
        jobs = provider.list_attempt_jobs(context.run_id, context.run_attempt, limit=MAX_JOBS)
    except (AuthenticationError, NotFoundError) as error:
        return _fallback(context, f"the token may not read the run's jobs (HTTP {error.status})")
    except ProviderError as error:
        return _fallback(context, f"the run's jobs could not be read ({error.message})")
    except (KeyError, TypeError, ValueError):
        return _fallback(context, "GitHub answered the list of jobs with an unexpected body")

    mine = [
        job
        for job in jobs
        if job.raw.get("runner_name") == runner and job.raw.get("status") == "in_progress" and job.name
    ]
    if len(mine) != 1:
        found = "no job" if not mine else f"{len(mine)} jobs"
        return _fallback(
            context, f"{found} of attempt {context.run_attempt} in progress on runner {runner!r}"
        )
    job = mine[0]
    return Resolved(
        dataclasses.replace(context, job_name=job.name[:1000], job_id=job.id, job_url=job.url or None)
    )


def _fallback(context: RunContext, reason: str) -> Resolved:
    return Resolved(
        context,
        f"the job is reported by its key {context.job_name!r} (GITHUB_JOB), not its display name: "
        f"{reason}; {HOW_TO}",
    )
