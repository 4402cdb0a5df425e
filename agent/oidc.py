"""The CI's OpenID Connect ID token, so a job can upload without an agent token (docs/oidc.md).

Each CI hands the token over its own way: GitHub Actions mints one on request for the audience the agent
names (``ACTIONS_ID_TOKEN_REQUEST_URL`` + ``ACTIONS_ID_TOKEN_REQUEST_TOKEN``, present only when the job
has ``permissions: id-token: write``); GitLab puts one in the variable the job's ``id_tokens:`` declares
(``ORCHESTRATE_ID_TOKEN`` unless ``ORCHESTRATE_ID_TOKEN_VAR`` says otherwise); CircleCI injects
``CIRCLE_OIDC_TOKEN_V2``. A token already in that variable wins on any CI. When there is none, the error
says why (a pull request from a fork gets no token on GitHub, and none on CircleCI unless the project
passes secrets to forks) and what to do instead. The token is a secret: it is never printed; the caller
masks it on GitHub Actions.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlencode

import requests

from agent import __version__
from agent.ci import circleci, github, gitlab

CIRCLECI_TOKEN_VAR = "CIRCLE_OIDC_TOKEN_V2"  # noqa: S105 a variable name
MAX_TOKEN_CHARS = 16 * 1024
FORK_HELP = "docs/oidc.md, 'Pull requests from forks'"


class IdTokenUnavailable(Exception):
    """This job has no ID token; ``message`` says why and what to do."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def offered(env: Mapping[str, str], variable: str) -> bool:
    """Whether to try OIDC when no agent token is configured: in a CI that can give one, or with a token."""
    return bool(_text(env, variable)) or any(ci.detects(env) for ci in (github, gitlab, circleci))


def id_token(
    env: Mapping[str, str],
    *,
    audience: str,
    variable: str,
    timeout: float,
    session: requests.Session | None = None,
) -> str:
    """The job's ID token (for ``audience`` where the CI lets the job choose), or IdTokenUnavailable."""
    if token := _text(env, variable):
        return _checked(token, variable)
    if github.detects(env):
        return _github(env, audience, timeout, session or requests.Session())
    if gitlab.detects(env):
        raise IdTokenUnavailable(
            f"GitLab gave this job no ID token in ${variable}: declare one in the job, "
            f"`id_tokens: {{{variable}: {{aud: {audience}}}}}` (or name your variable in "
            "ORCHESTRATE_ID_TOKEN_VAR)"
        )
    if circleci.detects(env):
        if token := _text(env, CIRCLECI_TOKEN_VAR):
            return _checked(token, CIRCLECI_TOKEN_VAR)
        fork = " (this is a pull request from a fork)" if _text(env, "CIRCLE_PR_NUMBER") else ""
        raise IdTokenUnavailable(
            f"CircleCI gave this job no {CIRCLECI_TOKEN_VAR}{fork}: CircleCI gives forked builds no OIDC "
            f"token unless the project passes secrets to them; see {FORK_HELP}"
        )
    raise IdTokenUnavailable(
        "OIDC needs GitHub Actions, GitLab CI or CircleCI, and this is none of them: use an agent token "
        f"(ORCHESTRATE_TOKEN), or put an ID token in ${variable}"
    )


def _github(env: Mapping[str, str], audience: str, timeout: float, session: requests.Session) -> str:
    url, request_token = (
        _text(env, "ACTIONS_ID_TOKEN_REQUEST_URL"),
        _text(env, "ACTIONS_ID_TOKEN_REQUEST_TOKEN"),
    )
    if not url or not request_token:
        if _from_fork(env):
            raise IdTokenUnavailable(
                "GitHub gives no OIDC token to a pull request from a fork, and no agent token is "
                f"configured: the report was not uploaded. To report fork pull requests, see {FORK_HELP}"
            )
        raise IdTokenUnavailable(
            "GitHub gave this job no OIDC token: add `permissions: id-token: write` to the workflow or job "
            "(or configure an agent token in ORCHESTRATE_TOKEN)"
        )
    separator = "&" if "?" in url else "?"
    try:
        response = session.get(
            url + separator + urlencode({"audience": audience}),
            headers={
                "Authorization": f"bearer {request_token}",
                "Accept": "application/json; api-version=2.0",
                "User-Agent": f"orchestrate-agent/{__version__}",
            },
            timeout=timeout,
            allow_redirects=False,
        )
    except requests.RequestException as exc:
        raise IdTokenUnavailable(f"cannot reach GitHub's OIDC token service: {type(exc).__name__}") from None
    if response.status_code != 200:
        raise IdTokenUnavailable(
            f"GitHub's OIDC token service answered HTTP {response.status_code}; the job may lack "
            "`permissions: id-token: write`"
        )
    try:
        value = response.json().get("value")
    except (ValueError, AttributeError):
        value = None
    if not isinstance(value, str) or not value:
        raise IdTokenUnavailable("GitHub's OIDC token service answered without a token")
    return _checked(value, "GitHub's OIDC token service")


def _from_fork(env: Mapping[str, str]) -> bool:
    if _text(env, "GITHUB_EVENT_NAME") not in github.PULL_REQUEST_EVENTS:
        return False
    pull = github._read_event(env).get("pull_request")
    head = pull.get("head") if isinstance(pull, dict) else None
    repo = head.get("repo") if isinstance(head, dict) else None
    if not isinstance(repo, dict):
        return True  # a pull request event without an ID token: a fork is the usual reason
    return bool(repo.get("fork")) or repo.get("full_name") != _text(env, "GITHUB_REPOSITORY")


def _checked(token: str, source: str) -> str:
    token = token.strip()
    if len(token) > MAX_TOKEN_CHARS or token.count(".") != 2:
        raise IdTokenUnavailable(f"the ID token from {source} is not a JWT")
    return token


def _text(env: Mapping[str, str], name: str) -> str | None:
    value = env.get(name)
    return value.strip() if value and value.strip() else None
