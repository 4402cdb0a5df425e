"""Small real git repositories for the fixer's tests, and the environment its tools run in."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

VENV_BIN = str(Path(sys.executable).parent)  # ruff is installed beside the interpreter
ENV = {
    "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', os.defpath)}",
    "HOME": os.environ.get("HOME", "/"),
}
NO_TOOLS_ENV = {"PATH": "/nonexistent", "HOME": ENV["HOME"]}


def make_repo(root: Path, files: dict[str, str]) -> Path:
    """A git repository at ``root`` holding ``files``, all committed."""
    root.mkdir(parents=True, exist_ok=True)
    for path, text in files.items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, "utf-8")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "start")
    return root


def git(root: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-c", "user.email=dev@example.com", "-c", "user.name=dev", *args],
        cwd=root, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip


def tool_output(root: Path, *argv: str) -> str:
    """What a tool prints in ``root`` (stdout and stderr): a CI log's content, produced for real."""
    result = subprocess.run([*argv], cwd=root, capture_output=True, text=True, env={**os.environ, **ENV})
    return result.stdout + result.stderr


RUFF_PYPROJECT = (
    '[project]\nname = "demo"\nversion = "0"\ndependencies = [\n    "requests",\n]\n\n[tool.ruff]\n'
)


UNFORMATTED = "import os\nx=1\nprint( os.sep,x )\n"


def lint_repo_in(tmp_path: Path) -> tuple[Path, Path]:
    """A repository that configures ruff, with a file ruff format would change, and the CI log of
    ``ruff format --check`` failing on it."""
    root = make_repo(tmp_path / "repo", {"pyproject.toml": RUFF_PYPROJECT, "app.py": UNFORMATTED})
    log = tmp_path / "lint.log"
    output = tool_output(root, "ruff", "format", "--no-cache", "--check", ".")
    log.write_text("Run ruff format --check .\n" + output)
    return root, log


def run_fix(capsys, root: Path, *argv: str, env: dict[str, str] = ENV):
    """``orchestrate fix --repo ROOT ARGV`` in-process: (exit status, stdout)."""
    from agent.cli import main

    status = main(["fix", "--repo", str(root), *argv], env)
    return status, capsys.readouterr().out
