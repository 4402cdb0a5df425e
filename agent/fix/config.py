"""The ``fix:`` section of ``.orchestrate.yml``: what the fixer may run and write.

```yaml
fix:
  paths: ["src/**", "tests/**", "pyproject.toml"]   # globs; default: every path
  commands: ["ruff", "pytest -q"]                   # command prefixes, word by word
  allow_workflow_files: false                       # .github/workflows/, .gitlab-ci.yml, .circleci/
  checks: ["pytest -q tests/unit"]                  # run after the failing command; must pass
```

Without ``commands`` the fixer may run its own tools only (``DEFAULT_COMMANDS``). Keys are checked, so a
typo is an error rather than a permission silently not granted.
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from agent import globs
from agent.commands.base import UsageError

FIX_KEYS = frozenset({"paths", "commands", "allow_workflow_files", "checks"})
DEFAULT_COMMANDS: tuple[str, ...] = ("ruff", "black", "isort", "prettier", "gofmt", "eslint")
WORKFLOW_PREFIXES: tuple[str, ...] = (".github/workflows/", ".circleci/")
WORKFLOW_FILES: tuple[str, ...] = (".gitlab-ci.yml",)


@dataclass(frozen=True)
class FixConfig:
    paths: tuple[str, ...] = ("**",)
    commands: tuple[tuple[str, ...], ...] = tuple(tuple(c.split()) for c in DEFAULT_COMMANDS)
    allow_workflow_files: bool = False
    checks: tuple[str, ...] = ()
    source: str = "defaults"

    def command_allowed(self, argv: Sequence[str]) -> bool:
        """True when ``argv`` starts with one of the allowed prefixes (its program compared by name, so
        ``/usr/bin/ruff`` is ``ruff``); a configured check is allowed as itself."""
        words = [PurePosixPath(argv[0]).name, *argv[1:]] if argv else []
        allowed = (*self.commands, *(tuple(shlex.split(check)) for check in self.checks))
        return any(prefix and words[: len(prefix)] == list(prefix) for prefix in allowed)

    def path_allowed(self, path: str) -> bool:
        return any(globs.matches(path, pattern) for pattern in self.paths)


def is_workflow_file(path: str) -> bool:
    return path in WORKFLOW_FILES or path.startswith(WORKFLOW_PREFIXES)


def load(config_path: Path | None) -> FixConfig:
    """The ``fix:`` section of ``config_path`` (defaults when there is no file or no section)."""
    if config_path is None:
        return FixConfig()
    from agent.commands.ci.config_file import read_document

    block = read_document(config_path).get("fix")
    if block is None:
        return FixConfig(source=str(config_path))
    where = f"{config_path}: fix"
    if not isinstance(block, dict):
        raise UsageError(f"{where}: must be a mapping with {', '.join(sorted(FIX_KEYS))}")
    unknown = sorted(str(key) for key in block if key not in FIX_KEYS)
    if unknown:
        raise UsageError(
            f"{where}: unknown key(s) {', '.join(unknown)}; expected {', '.join(sorted(FIX_KEYS))}"
        )
    allow = block.get("allow_workflow_files", False)
    if not isinstance(allow, bool):
        raise UsageError(f"{where}.allow_workflow_files: must be true or false")
    defaults = FixConfig()
    commands = _strings(block, "commands", where)
    paths = _strings(block, "paths", where)
    return FixConfig(
        paths=paths if paths is not None else defaults.paths,
        commands=tuple(_words(c, where) for c in commands) if commands is not None else defaults.commands,
        allow_workflow_files=allow,
        checks=_strings(block, "checks", where) or (),
        source=str(config_path),
    )


def _strings(block: dict[str, Any], key: str, where: str) -> tuple[str, ...] | None:
    value = block.get(key)
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(item, str) and item.strip() for item in value):
        raise UsageError(f"{where}.{key}: must be a list of non-empty strings")
    return tuple(item.strip() for item in value)


def _words(command: str, where: str) -> tuple[str, ...]:
    try:
        return tuple(shlex.split(command))
    except ValueError as exc:
        raise UsageError(f"{where}.commands: {command!r} is not a valid command ({exc})") from None
