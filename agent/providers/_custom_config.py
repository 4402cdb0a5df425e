"""What a custom CI's description (``ci: config:``) may say, and the checks it must pass before any request.

Kept apart from ``custom.CustomProvider`` so the rules of the file a person writes (which keys exist, which
values they take, how credentials are formed and where they may be sent) read in one place, and every
mistake is refused with the key to fix before the client touches the network.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from agent.providers.base import Conclusion, ProviderError, RunStatus

# operation -> (config key of its endpoint, default method, placeholders its URL may use)
ENDPOINTS: dict[str, tuple[str, str, frozenset[str]]] = {
    "list": ("list_url", "GET", frozenset({"repo", "branch", "workflow", "status", "limit"})),
    "trigger": ("trigger_url", "POST", frozenset({"repo", "ref", "workflow"})),
    "status": ("status_url", "GET", frozenset({"repo", "run_id"})),
    "jobs": ("jobs_url", "GET", frozenset({"repo", "run_id"})),
    "log": ("log_url", "GET", frozenset({"repo", "job_id"})),
    "retry": ("retry_url", "POST", frozenset({"repo", "run_id"})),
    "retry_failed": ("retry_failed_url", "POST", frozenset({"repo", "run_id"})),
    "retry_job": ("retry_job_url", "POST", frozenset({"repo", "run_id", "job_id"})),
    "cancel": ("cancel_url", "POST", frozenset({"repo", "run_id"})),
    "artifacts": ("artifacts_url", "GET", frozenset({"repo", "run_id"})),
    "artifact": ("artifact_url", "GET", frozenset({"repo", "run_id", "artifact_id", "artifact_name"})),
}
# operation -> what a person calls it, for "custom cannot ... without ci.config.KEY"
OPERATION_NAMES: dict[str, str] = {
    "list": "list runs",
    "trigger": "trigger a run",
    "status": "read a run",
    "jobs": "list a run's jobs",
    "log": "read a job's log",
    "retry": "re-run a run",
    "retry_failed": "re-run a run's failed jobs",
    "retry_job": "re-run one job",
    "cancel": "cancel a run",
    "artifacts": "list a run's artifacts",
    "artifact": "download an artifact that has no url field",
}
RUN_FIELDS = ("id", "status", "conclusion", "url", "workflow", "branch", "commit_sha", "event", "attempt",
              "created_at", "updated_at", "jobs")  # fmt: skip
JOB_FIELDS = ("id", "name", "status", "conclusion", "url", "started_at", "completed_at")
ARTIFACT_FIELDS = ("id", "name", "size", "expired", "url")
LISTS = ("runs", "jobs", "artifacts")
SETTINGS = frozenset(
    {key for key, _, _ in ENDPOINTS.values()}
    | {"auth", "headers", "methods", "trigger_body", "fields", "job_fields", "artifact_fields", "items",
       "status_map", "max_rate_limit_wait", "max_download_bytes", "max_log_bytes"}
)  # fmt: skip
AUTH_TYPES = ("bearer", "header", "basic", "none")
METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE"})
WRITES = ("trigger", "retry", "retry_failed", "retry_job", "cancel")  # the operations whose method is set
DEFAULT_TRIGGER_BODY = {"ref": "{ref}", "workflow": "{workflow}", "inputs": "{inputs}"}
CONCLUSIONS = frozenset(Conclusion)
OURS = frozenset(RunStatus) | CONCLUSIONS
LOOPBACK = frozenset({"localhost", "127.0.0.1", "::1"})


def check_settings(config: Mapping[str, Any]) -> None:
    """Refuse a description with an unknown key or a value of the wrong shape, naming the key."""
    unknown = sorted(str(key) for key in config if key not in SETTINGS)
    if unknown:
        raise ProviderError(
            f"unknown setting(s) in ci.config for the custom provider: {', '.join(unknown)}",
            f"expected some of: {', '.join(sorted(SETTINGS))}",
        )
    for key in ("auth", "headers", "methods", "status_map"):
        if config.get(key) is not None and not isinstance(config[key], Mapping):
            raise ProviderError(f"ci.config.{key} must be a mapping (key: value lines under it)", "")
    for key, _, _ in ENDPOINTS.values():
        if config.get(key) is not None and not isinstance(config[key], str):
            raise ProviderError(f"ci.config.{key} must be a URL or a path, as a string", "")
    for key, allowed in (("fields", RUN_FIELDS), ("job_fields", JOB_FIELDS),
                         ("artifact_fields", ARTIFACT_FIELDS), ("items", LISTS)):  # fmt: skip
        value = config.get(key) or {}
        if not isinstance(value, Mapping) or any(k not in allowed for k in value):
            raise ProviderError(
                f"ci.config.{key} must map some of {', '.join(allowed)} to paths in the answers",
                f"for example {key}: {{{allowed[0]}: data.{allowed[0]}}}",
            )
    status_map = config.get("status_map") or {}
    wrong = sorted(f"{k}: {v}" for k, v in status_map.items() if str(v) not in OURS)
    if wrong:
        raise ProviderError(
            f"ci.config.status_map maps to values that are not ours: {', '.join(wrong)}",
            f"map each of the CI's statuses to one of: {', '.join(sorted(OURS))}",
        )
    methods = config.get("methods") or {}
    bad = sorted(f"{k}: {v}" for k, v in methods.items() if k not in WRITES or str(v).upper() not in METHODS)
    if bad:
        raise ProviderError(
            f"ci.config.methods has entries it cannot use: {', '.join(bad)}",
            f"operations: {', '.join(WRITES)}; methods: {', '.join(sorted(METHODS))}",
        )


def auth_headers(config: Mapping[str, Any], token: str | None) -> dict[str, str]:
    """The headers that authenticate, from ``config["auth"]`` (a bearer ``token`` when it is absent)."""
    auth = config.get("auth")
    if auth is None:
        return {"Authorization": f"Bearer {token}"} if token else {}
    if not isinstance(auth, Mapping) or auth.get("type", "bearer") not in AUTH_TYPES:
        raise ProviderError(
            "ci.config.auth must be a mapping whose type is one of: " + ", ".join(AUTH_TYPES),
            "for example auth: {type: bearer, token: ${CI_TOKEN}}",
        )
    kind = auth.get("type", "bearer")
    if kind == "none":
        return {}
    if kind == "basic":
        if not auth.get("username"):
            raise ProviderError(
                "ci.config.auth of type basic needs a username", "add username: and password:"
            )
        pair = f"{auth['username']}:{auth.get('password') or token or ''}".encode()
        return {"Authorization": "Basic " + base64.b64encode(pair).decode("ascii")}
    token = str(auth.get("token") or token or "")
    if not token:
        raise ProviderError(
            f"ci.config.auth of type {kind} has no token",
            "add token: ${CI_TOKEN} under auth (and export CI_TOKEN), or set ORCHESTRATE_CI_TOKEN",
        )
    if kind == "header":
        header = str(auth.get("header") or "")
        if not header:
            raise ProviderError(
                "ci.config.auth of type header needs the header's name", "add header: X-Api-Key"
            )
        return {header: token}
    return {"Authorization": f"Bearer {token}"}


def require_tls(url: str) -> None:
    """Credentials go over TLS only, except to this machine."""
    parts = urlsplit(url)
    if parts.scheme != "https" and (parts.hostname or "") not in LOOPBACK:
        raise ProviderError(
            f"refusing to send credentials to {parts.scheme}://{parts.netloc} without TLS",
            "use https:// endpoints (plain http is accepted only for localhost)",
        )
