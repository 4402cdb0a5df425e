"""The agent's settings, read from the environment in one place.

``Settings.from_env(env)`` takes a mapping so tests pass a dict; only ``agent.cli.run`` passes
``os.environ``. A value that is set but wrong (``ORCHESTRATE_TIMEOUT=soon``) is an error naming the
variable, not a silent default: a CI job with a typo should say so on its first run.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

DEFAULT_TIMEOUT = 30.0  # seconds per HTTP request (connect and read)
DEFAULT_RETRIES = 4  # retries after the first try: five tries in all
DEFAULT_SPOOL_DIR = Path(".orchestrate") / "reports"
AUTH_MODES = ("auto", "token", "oidc")  # auto: the agent token, else the CI's OIDC token (docs/oidc.md)
# Where a GitLab job's `id_tokens:` entry puts the token (a variable name, not a secret).
DEFAULT_ID_TOKEN_VAR = "ORCHESTRATE_ID_TOKEN"  # noqa: S105
MAX_TOKEN_FILE_BYTES = 64 * 1024

Number = TypeVar("Number", int, float)


class SettingsError(ValueError):
    """An environment variable is set to a value the agent cannot use."""


@dataclass(frozen=True)
class Settings:
    hub_url: str | None = None
    token: str | None = None
    api_token: str | None = None  # a person's API token (``ci fix``), not the agent's upload token
    timeout: float = DEFAULT_TIMEOUT
    retries: int = DEFAULT_RETRIES
    spool_dir: Path = DEFAULT_SPOOL_DIR
    github_actions: bool = False
    step_summary: Path | None = None
    github_output: Path | None = None
    auth: str = "auto"
    oidc_audience: str | None = None
    id_token_var: str = DEFAULT_ID_TOKEN_VAR
    fix_job: str | None = None  # the hub's fix job an ``orchestrate fix --push`` answers

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        github = _text(env, "GITHUB_ACTIONS") == "true"
        return cls(
            hub_url=_url(env, "ORCHESTRATE_HUB_URL"),
            token=_secret(env, "ORCHESTRATE_TOKEN"),
            api_token=_secret(env, "ORCHESTRATE_API_TOKEN"),
            timeout=_number(env, "ORCHESTRATE_TIMEOUT", DEFAULT_TIMEOUT, float, minimum=0.1),
            retries=_number(env, "ORCHESTRATE_RETRIES", DEFAULT_RETRIES, int, minimum=0),
            spool_dir=Path(_text(env, "ORCHESTRATE_SPOOL_DIR") or DEFAULT_SPOOL_DIR),
            github_actions=github,
            step_summary=_path(env, "GITHUB_STEP_SUMMARY") if github else None,
            github_output=_path(env, "GITHUB_OUTPUT") if github else None,
            auth=_choice(env, "ORCHESTRATE_AUTH", AUTH_MODES),
            oidc_audience=_text(env, "ORCHESTRATE_OIDC_AUDIENCE"),
            id_token_var=_text(env, "ORCHESTRATE_ID_TOKEN_VAR") or DEFAULT_ID_TOKEN_VAR,
            fix_job=_text(env, "ORCHESTRATE_FIX_JOB"),
        )


def _text(env: Mapping[str, str], name: str) -> str | None:
    value = env.get(name)
    return value.strip() if value and value.strip() else None


def _choice(env: Mapping[str, str], name: str, choices: tuple[str, ...]) -> str:
    value = (_text(env, name) or choices[0]).lower()
    if value not in choices:
        raise SettingsError(f"{name}={env.get(name)!r}: expected one of {', '.join(choices)}")
    return value


def _path(env: Mapping[str, str], name: str) -> Path | None:
    value = _text(env, name)
    return Path(value) if value else None


def check_url(value: str, name: str) -> str:
    """An http(s) URL without a trailing slash; raises SettingsError naming where it came from."""
    url = value.strip().rstrip("/")
    if not url.startswith(("http://", "https://")) or len(url) <= len("https://"):
        raise SettingsError(f"{name}={value!r}: expected an http:// or https:// URL")
    return url


def _url(env: Mapping[str, str], name: str) -> str | None:
    value = _text(env, name)
    return check_url(value, name) if value else None


def _secret(env: Mapping[str, str], name: str) -> str | None:
    """``NAME``, or the content of the file named by ``NAME_FILE`` (Docker and Kubernetes secrets)."""
    value = _text(env, name)
    if value:
        return value
    path = _text(env, f"{name}_FILE")
    if not path:
        return None
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_TOKEN_FILE_BYTES + 1)
    except OSError as exc:
        raise SettingsError(f"{name}_FILE={path!r}: cannot read it ({exc.strerror})") from None
    if len(raw) > MAX_TOKEN_FILE_BYTES:
        raise SettingsError(f"{name}_FILE={path!r}: larger than a token can be")
    return raw.decode("utf-8", "replace").strip() or None


def _number(
    env: Mapping[str, str], name: str, default: Number, kind: type[Number], *, minimum: Number
) -> Number:
    value = _text(env, name)
    if value is None:
        return default
    try:
        number = kind(value)
    except ValueError:
        raise SettingsError(f"{name}={value!r}: expected a number") from None
    if number < minimum:
        raise SettingsError(f"{name}={value!r}: must be at least {minimum}")
    return number
