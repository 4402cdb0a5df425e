"""What ``orchestrate validate`` runs: the ``validate:`` section of ``.orchestrate.yml``, then flags.

A flag overrides the file's value for the same setting; smoke requests given as flags replace the file's
list. Keys are checked, so a typo (``helth:``) is an error rather than a check silently skipped, and
``${VAR}`` in the section is replaced from the environment as in the ``ci:`` section. Durations are
seconds. Plain data only: running it is ``agent.validate.pipeline``'s job.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from agent.commands.base import UsageError
from agent.commands.ci.config_file import expand, read_document

SECTION_KEYS = frozenset({"build", "start", "health", "smoke", "timeouts", "env", "max_log_bytes", "status"})
HEALTH_KEYS = frozenset({"url", "port", "path", "status"})
TIMEOUT_KEYS = frozenset({"build", "health", "request", "stop"})
SMOKE_KEYS = frozenset({"method", "path", "status", "contains", "body"})
STATUS_KEYS = frozenset({"context", "target_url"})
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
DEFAULT_CONTEXT = "orchestrate/validate"
MAX_LOG_BYTES = 64 << 10
_SMOKE_FLAG = re.compile(r"^(?P<method>[A-Za-z]+)\s+(?P<path>/\S*)(?:\s+(?P<status>\d{3}))?$")


@dataclass(frozen=True)
class Smoke:
    """One request to send once the application is healthy, and what its answer must be."""

    method: str
    path: str
    status: int = 200
    contains: str | None = None
    body: str | None = None

    def describe(self) -> str:
        return f"{self.method} {self.path}"


@dataclass(frozen=True)
class Timeouts:
    build: float = 600.0
    health: float = 60.0
    request: float = 10.0
    stop: float = 10.0


@dataclass(frozen=True)
class ValidateConfig:
    build: str | None = None
    start: str | None = None
    health_url: str | None = None
    health_status: int = 200
    smoke: tuple[Smoke, ...] = ()
    timeouts: Timeouts = Timeouts()
    env: dict[str, str] = field(default_factory=dict)
    max_log_bytes: int = MAX_LOG_BYTES
    status_context: str = DEFAULT_CONTEXT
    status_target_url: str = ""

    @property
    def base_url(self) -> str:
        """Where smoke paths are sent: the health URL's scheme, host and port."""
        from urllib.parse import urlsplit

        parts = urlsplit(self.health_url or "")
        return f"{parts.scheme}://{parts.netloc}"


def from_file(path: Path | None, env: Mapping[str, str]) -> ValidateConfig:
    """The ``validate:`` section of ``path`` (none: the defaults), checked and ``${VAR}``-expanded."""
    if path is None:
        return ValidateConfig()
    section = read_document(path).get("validate") or {}
    where = f"{path}: validate"
    _mapping(section, where, SECTION_KEYS)
    section = expand(section, env, where)
    health = section.get("health") or {}
    _mapping(health, f"{where}.health", HEALTH_KEYS)
    timeouts = section.get("timeouts") or {}
    _mapping(timeouts, f"{where}.timeouts", TIMEOUT_KEYS)
    status = section.get("status") or {}
    _mapping(status, f"{where}.status", STATUS_KEYS)
    smoke = section.get("smoke") or []
    if not isinstance(smoke, list):
        raise UsageError(f"{where}.smoke must be a list of requests (- method: GET, path: /)")
    env_block = section.get("env") or {}
    if not isinstance(env_block, dict):
        raise UsageError(f"{where}.env must be a mapping of variable names to values")
    return ValidateConfig(
        build=_text(section.get("build"), f"{where}.build"),
        start=_text(section.get("start"), f"{where}.start"),
        health_url=health_url(
            _text(health.get("url"), f"{where}.health.url"),
            _number(health.get("port"), f"{where}.health.port", int),
            _text(health.get("path"), f"{where}.health.path"),
            f"{where}.health",
        ),
        health_status=_status(health.get("status", 200), f"{where}.health.status"),
        smoke=tuple(_smoke(item, f"{where}.smoke[{index}]") for index, item in enumerate(smoke)),
        timeouts=Timeouts(
            **{
                key: _number(value, f"{where}.timeouts.{key}", float)
                for key, value in timeouts.items()
                if value is not None
            }
        ),
        env={str(key): str(value) for key, value in env_block.items()},
        max_log_bytes=_number(section.get("max_log_bytes", MAX_LOG_BYTES), f"{where}.max_log_bytes", int),
        status_context=_text(status.get("context"), f"{where}.status.context") or DEFAULT_CONTEXT,
        status_target_url=_text(status.get("target_url"), f"{where}.status.target_url") or "",
    )


def with_flags(config: ValidateConfig, flags: Mapping[str, Any]) -> ValidateConfig:
    """``config`` with every flag that was given (not None) put over the file's value, then checked."""
    changes: dict[str, Any] = {}
    for name in ("build", "start"):
        if flags.get(name) is not None:
            changes[name] = flags[name]
    if any(flags.get(name) is not None for name in ("health_url", "port", "health_path")):
        changes["health_url"] = health_url(
            flags.get("health_url"), flags.get("port"), flags.get("health_path"), "--health-url/--port"
        )
    if flags.get("smoke"):
        changes["smoke"] = tuple(smoke_flag(text) for text in flags["smoke"])
    timeouts = {
        key: flags[f"{key}_timeout"] for key in TIMEOUT_KEYS if flags.get(f"{key}_timeout") is not None
    }
    if timeouts:
        changes["timeouts"] = replace(config.timeouts, **timeouts)
    if flags.get("status_context"):
        changes["status_context"] = flags["status_context"]
    if flags.get("target_url"):
        changes["status_target_url"] = flags["target_url"]
    merged = replace(config, **changes)
    if not merged.start:
        raise UsageError("nothing to start: pass --start COMMAND or add validate: start: to .orchestrate.yml")
    if not merged.health_url:
        raise UsageError(
            "no health check: pass --port PORT (and --health-path) or --health-url URL, "
            "or add validate: health: to .orchestrate.yml"
        )
    return merged


def health_url(url: str | None, port: int | None, path: str | None, where: str) -> str | None:
    """The URL to poll: ``url`` as given, or ``http://127.0.0.1:PORT`` with ``path``; None if neither."""
    if url and port is not None:
        raise UsageError(f"{where}: give a health URL or a port, not both")
    if url:
        if not re.match(r"^https?://[^/\s]+", url):
            raise UsageError(f"{where}: {url!r} is not an http(s) URL (http://127.0.0.1:8000/healthz)")
        return url
    if port is None:
        return None
    if not 0 < port < 65536:
        raise UsageError(f"{where}: port {port} is not between 1 and 65535")
    path = path or "/"
    return f"http://127.0.0.1:{port}{path if path.startswith('/') else '/' + path}"


def smoke_flag(text: str) -> Smoke:
    """``--smoke "GET /items 200"``: a method, a path, and the expected status (default 200)."""
    match = _SMOKE_FLAG.match(text.strip())
    if not match or match["method"].upper() not in METHODS:
        raise UsageError(f"--smoke {text!r}: write METHOD PATH [STATUS], e.g. --smoke 'GET /items 200'")
    return Smoke(match["method"].upper(), match["path"], int(match["status"] or 200))


def _smoke(item: Any, where: str) -> Smoke:
    _mapping(item, where, SMOKE_KEYS)
    method = str(item.get("method") or "GET").upper()
    if method not in METHODS:
        raise UsageError(f"{where}.method {method!r} is not one of {', '.join(sorted(METHODS))}")
    path = _text(item.get("path"), f"{where}.path")
    if not path or not path.startswith("/"):
        raise UsageError(f"{where}.path must start with / (the request goes to the health URL's host)")
    return Smoke(
        method=method,
        path=path,
        status=_status(item.get("status", 200), f"{where}.status"),
        contains=_text(item.get("contains"), f"{where}.contains"),
        body=_text(item.get("body"), f"{where}.body"),
    )


def _mapping(value: Any, where: str, keys: frozenset[str]) -> None:
    if not isinstance(value, dict):
        raise UsageError(f"{where} must be a mapping with {', '.join(sorted(keys))}")
    unknown = sorted(str(key) for key in value if key not in keys)
    if unknown:
        raise UsageError(f"{where}: unknown key(s) {', '.join(unknown)}; expected {', '.join(sorted(keys))}")


def _text(value: Any, where: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise UsageError(f"{where} must be a string (quote it in the YAML)")
    return value


def _number(value: Any, where: str, kind: type) -> Any:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise UsageError(f"{where} must be a positive number, not {value!r}")
    if kind is int and not float(value).is_integer():
        raise UsageError(f"{where} must be a whole number, not {value!r}")
    return kind(value)


def _status(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 100 <= value <= 599:
        raise UsageError(f"{where} must be an HTTP status between 100 and 599, not {value!r}")
    return value
