"""``.orchestrate.yml``: where it is, what its ``ci:`` block may hold, and ``${VAR}`` expansion.

The file is found from the working directory upwards to the git root, so a command run from a
sub-directory of a checkout finds the repository's file, and a file in a home directory above it is not
picked up by accident. It is read with ``yaml.safe_load`` under a size bound. Keys under ``ci:`` are
checked, so a typo (``repository:``) is an error rather than a silently ignored setting.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agent.commands.base import UsageError

CONFIG_NAMES: tuple[str, ...] = (".orchestrate.yml", ".orchestrate.yaml")
CONFIG_KEYS = frozenset({"provider", "repo", "api_url", "config"})
MAX_CONFIG_BYTES = 1 << 20
_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


@dataclass(frozen=True)
class FileConfig:
    """The ``ci:`` block of ``.orchestrate.yml`` (``${VAR}`` expanded only after ``expand_file``)."""

    path: Path | None = None
    provider: str | None = None
    repo: str | None = None
    api_url: str | None = None
    config: dict[str, Any] = field(default_factory=dict)


def find_file(start: Path) -> Path | None:
    """``.orchestrate.yml`` in ``start`` or a parent, stopping at the git root (the directory holding
    ``.git``). Outside a git checkout only ``start`` itself is looked at."""
    start = start.resolve()
    chain = [start, *start.parents]
    root = next((d for d in chain if (d / ".git").exists()), None)
    for directory in chain[: chain.index(root) + 1] if root else [start]:
        for name in CONFIG_NAMES:
            if (directory / name).is_file():
                return directory / name
    return None


def read_document(path: Path) -> dict[str, Any]:
    """The whole of ``.orchestrate.yml`` (safe YAML, size-bounded) as a mapping; each section's reader
    (``ci:`` here, ``fix:`` in ``agent.fix.config``) checks its own keys."""
    import yaml

    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_CONFIG_BYTES + 1)
    except OSError as exc:
        raise UsageError(f"{path}: cannot read it ({exc.strerror})") from None
    if len(raw) > MAX_CONFIG_BYTES:
        raise UsageError(f"{path}: larger than {MAX_CONFIG_BYTES} bytes; is it the right file?")
    try:
        document = yaml.safe_load(raw) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "not valid YAML"
        raise UsageError(f"{path}{where}: {problem}; fix the YAML") from None
    if not isinstance(document, dict):
        raise UsageError(f"{path}: expected a mapping at the top (ci: ..., fix: ..., validate: ...)")
    return document


def load_file(path: Path | None, env: Mapping[str, str]) -> FileConfig:
    """The ``ci:`` block of ``path`` (safe YAML), checked; only ``provider`` is expanded yet."""
    if path is None:
        return FileConfig()
    document = read_document(path)
    block = document.get("ci") or {}
    if not isinstance(block, dict):
        raise UsageError(f"{path}: ci: must be a mapping with provider, repo, api_url or config")
    unknown = sorted(str(key) for key in block if key not in CONFIG_KEYS)
    if unknown:
        raise UsageError(
            f"{path}: unknown key(s) under ci: {', '.join(unknown)}; "
            f"expected {', '.join(sorted(CONFIG_KEYS))}"
        )
    config = block.get("config") or {}
    if not isinstance(config, dict):
        raise UsageError(f"{path}: ci.config must be a mapping")
    for key in ("provider", "repo", "api_url"):
        if block.get(key) is not None and not isinstance(block[key], str):
            raise UsageError(f"{path}: ci.{key} must be a string")
    return FileConfig(
        path=path,
        provider=expand(block.get("provider"), env, f"{path}: ci.provider") or None,
        repo=block.get("repo") or None,
        api_url=block.get("api_url") or None,
        config=config,
    )


def expand_file(found: FileConfig, env: Mapping[str, str]) -> FileConfig:
    """The file's values for the provider in use, expanded (only then: a ``${VAR}`` written for another
    provider's block need not be set)."""
    where = f"{found.path}: ci"
    return FileConfig(
        path=found.path,
        provider=found.provider,
        repo=expand(found.repo, env, f"{where}.repo"),
        api_url=expand(found.api_url, env, f"{where}.api_url"),
        config=expand(found.config, env, f"{where}.config"),
    )


def expand(value: Any, env: Mapping[str, str], where: str) -> Any:
    """``value`` with every ``${VAR}`` in its strings replaced from ``env``; a missing VAR is an error."""
    if isinstance(value, dict):
        return {key: expand(item, env, f"{where}.{key}") for key, item in value.items()}
    if isinstance(value, list):
        return [expand(item, env, f"{where}[{index}]") for index, item in enumerate(value)]
    if not isinstance(value, str):
        return value

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in env:
            raise UsageError(f"{where} uses ${{{name}}}, which is not set; set {name} in the environment")
        return env[name]

    return _VARIABLE.sub(replace, value)
