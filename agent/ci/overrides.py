"""Values a person sets on purpose: ``ORCHESTRATE_*`` variables and the ``report`` command's flags.

They sit above what a CI detector found (flags above variables), and, unlike a CI's own variables, a value
that does not fit the report schema is an error with the variable's name in it, not a silent drop: the
person who set it wants to know.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping
from typing import Any

from agent.ci import _values as v
from agent.model import RunContext

PROVIDERS = frozenset(
    {
        "github",
        "github-enterprise",
        "gitlab",
        "gitlab-self-managed",
        "circleci",
        "jenkins",
        "buildkite",
        "azure-pipelines",
        "custom",
    }
)
ENV_PREFIX = "ORCHESTRATE_"
_SHA = re.compile(r"^[0-9a-fA-F]{7,64}$")


class ContextError(ValueError):
    """A run-context value someone set explicitly does not fit the report schema."""


def _provider(value: str) -> str:
    if value not in PROVIDERS:
        raise ValueError(f"must be one of {', '.join(sorted(PROVIDERS))}")
    return value


def _commit(value: str) -> str:
    if not _SHA.match(value):
        raise ValueError("must be a commit SHA of 7 to 64 hex digits")
    return value.lower()


def _positive(limit: int | None = None) -> Callable[[str], int]:
    def convert(value: str) -> int:
        number = v.positive_int(value)
        if number is None or (limit is not None and number > limit):
            bound = f"1..{limit}" if limit else ">= 1"
            raise ValueError(f"must be an integer {bound}")
        return number

    return convert


def _text(value: str) -> str:
    return value


# RunContext field -> (environment variable without the prefix, converter from a string).
FIELDS: dict[str, tuple[str, Callable[[str], Any]]] = {
    "provider": ("PROVIDER", _provider),
    "repository": ("REPOSITORY", _text),
    "run_id": ("RUN_ID", _text),
    "run_attempt": ("RUN_ATTEMPT", _positive(v.MAX_ATTEMPT)),
    "run_number": ("RUN_NUMBER", _text),
    "workflow": ("WORKFLOW", _text),
    "event": ("EVENT", _text),
    "branch": ("BRANCH", _text),
    "base_branch": ("BASE_BRANCH", _text),
    "commit_sha": ("COMMIT_SHA", _commit),
    "pull_request": ("PULL_REQUEST", _positive()),
    "run_url": ("RUN_URL", _text),
    "job_name": ("JOB_NAME", _text),
    "job_id": ("JOB_ID", _text),
    "job_url": ("JOB_URL", _text),
    "server_url": ("SERVER_URL", _text),
}


def from_env(env: Mapping[str, str]) -> dict[str, Any]:
    """The ``ORCHESTRATE_*`` run-context variables that are set, converted; raises ContextError."""
    found: dict[str, Any] = {}
    for field, (suffix, convert) in FIELDS.items():
        raw = v.text(env, ENV_PREFIX + suffix)
        if raw is not None:
            found[field] = _convert(convert, raw, ENV_PREFIX + suffix)
    return found


def apply(context: RunContext, values: Mapping[str, Any], *, source: str = "flag") -> RunContext:
    """``context`` with ``values`` (field -> string or already-typed value) laid over it.

    ``None`` means "not given" and keeps the detected value. Strings are converted and checked.
    """
    changes: dict[str, Any] = {}
    for field, value in values.items():
        if field not in FIELDS:
            raise KeyError(f"{field} is not a run-context field")
        if value is None:
            continue
        if isinstance(value, str):
            value = _convert(FIELDS[field][1], value.strip(), f"{source} {field}")
        changes[field] = value
    return dataclasses.replace(context, **changes) if changes else context


def _convert(convert: Callable[[str], Any], raw: str, where: str) -> Any:
    try:
        return convert(raw)
    except ValueError as exc:
        raise ContextError(f"{where}={raw!r}: {exc}") from None
