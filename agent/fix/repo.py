"""What the repository already uses: its formatters and linters, and its dependency manifests.

Read from configuration files only (pyproject.toml, ruff.toml, .isort.cfg, prettier's and eslint's files,
package.json, go.mod, the hooks of .pre-commit-config.yaml; nothing is run): a fixer may use a tool the
repository configured, never one it did not, so a fix reformats code the way its authors already do.
"""

from __future__ import annotations

import json
import subprocess
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PRETTIER_FILES = (
    ".prettierrc",
    ".prettierrc.json",
    ".prettierrc.yml",
    ".prettierrc.yaml",
    ".prettierrc.json5",
    ".prettierrc.js",
    ".prettierrc.cjs",
    ".prettierrc.mjs",
    ".prettierrc.toml",
    "prettier.config.js",
    "prettier.config.cjs",
    "prettier.config.mjs",
)
ESLINT_FILES = (
    "eslint.config.js",
    "eslint.config.mjs",
    "eslint.config.cjs",
    "eslint.config.ts",
    ".eslintrc",
    ".eslintrc.js",
    ".eslintrc.cjs",
    ".eslintrc.json",
    ".eslintrc.yml",
    ".eslintrc.yaml",
)
PRE_COMMIT_HOOKS = {
    "ruff": "ruff", "ruff-check": "ruff", "ruff-format": "ruff", "black": "black", "isort": "isort",
    "prettier": "prettier", "eslint": "eslint", "go-fmt": "gofmt", "gofmt": "gofmt",
}  # fmt: skip
IGNORED_DIRS = frozenset({".git", "node_modules", ".venv", "venv", "__pycache__", ".tox", "dist", "build"})


@dataclass(frozen=True)
class Repository:
    """A work tree's root, its files (tracked and untracked, not ignored) and what its config says."""

    root: Path
    files: tuple[str, ...]
    tools: frozenset[str] = frozenset()  # ruff, black, isort, prettier, gofmt, eslint
    pyproject: dict[str, Any] = field(default_factory=dict)
    package_json: dict[str, Any] | None = None

    def read(self, path: str) -> str:
        return (self.root / path).read_text("utf-8")


def detect(root: Path) -> Repository:
    files = list_files(root)
    pyproject = _toml(root / "pyproject.toml")
    package_json = _json(root / "package.json")
    return Repository(root, files, _tools(root, set(files), pyproject, package_json), pyproject, package_json)


def list_files(root: Path) -> tuple[str, ...]:
    """The work tree's files: ``git ls-files`` (tracked and untracked, ignored left out) in a checkout,
    else every file outside the usual generated directories."""
    if (root / ".git").exists():
        listed = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=root,
            capture_output=True,
            check=True,
        ).stdout.decode("utf-8", "surrogateescape")
        return tuple(sorted({p for p in listed.split("\0") if p and (root / p).is_file()}))
    found = []
    for path in root.rglob("*"):
        relative = path.relative_to(root)
        if path.is_file() and not IGNORED_DIRS.intersection(relative.parts[:-1]):
            found.append(relative.as_posix())
    return tuple(sorted(found))


def _tools(
    root: Path, files: set[str], pyproject: dict[str, Any], package: dict[str, Any] | None
) -> frozenset[str]:
    tool = pyproject.get("tool") if isinstance(pyproject.get("tool"), dict) else {}
    found = {name for name in ("ruff", "black", "isort") if name in tool}
    if {"ruff.toml", ".ruff.toml"} & files:
        found.add("ruff")
    if ".isort.cfg" in files:
        found.add("isort")
    scripts = " ".join(str(v) for v in (package or {}).get("scripts", {}).values()) if package else ""
    dev = (
        {**(package or {}).get("dependencies", {}), **(package or {}).get("devDependencies", {})}
        if package
        else {}
    )
    if set(PRETTIER_FILES) & files or (package and ("prettier" in package or "prettier" in dev)):
        found.add("prettier")
    if set(ESLINT_FILES) & files or (package and ("eslintConfig" in package or "eslint" in dev)):
        found.add("eslint")
    if "prettier" in scripts:
        found.add("prettier")
    if "go.mod" in files:
        found.add("gofmt")
    if ".pre-commit-config.yaml" in files:
        found |= _pre_commit_tools(root / ".pre-commit-config.yaml")
    return frozenset(found)


def _pre_commit_tools(path: Path) -> set[str]:
    """The tools pre-commit runs, from its hooks' ids (``ruff``, ``ruff-format``, ``black``, ...)."""
    import yaml

    try:
        document = yaml.safe_load(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return set()
    repos = document.get("repos") if isinstance(document, dict) else None
    ids = {
        str(hook.get("id"))
        for repo in repos or []
        if isinstance(repo, dict)
        for hook in repo.get("hooks") or []
        if isinstance(hook, dict)
    }
    return {tool for hook, tool in PRE_COMMIT_HOOKS.items() if hook in ids}


def _toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return {}


def _json(path: Path) -> dict[str, Any] | None:
    try:
        value = json.loads(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    return value if isinstance(value, dict) else None
