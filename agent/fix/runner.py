"""Running a command for the fixer: allowed first, found on PATH (or in node_modules/.bin), never through a
shell, bounded in time, with the tail of its output kept for the report (redacted)."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agent.redact import redact

OUTPUT_TAIL = 4000


@dataclass(frozen=True)
class CommandResult:
    command: str
    exit_code: int | None  # None: it could not be started, or timed out
    seconds: float
    output: str

    @property
    def passed(self) -> bool:
        return self.exit_code == 0

    def as_json(self) -> dict[str, Any]:
        return {
            "command": self.command,
            "exit_code": self.exit_code,
            "passed": self.passed,
            "seconds": round(self.seconds, 3),
            "output": self.output,
        }


def run(
    argv: Sequence[str], *, cwd: Path, tools_root: Path, env: Mapping[str, str], timeout: float
) -> CommandResult:
    """Run ``argv`` in ``cwd``; its program is looked up in ``tools_root``'s node_modules/.bin, then PATH."""
    shown = shlex.join(argv)
    program = which(argv[0], tools_root, env, cwd=cwd)
    if program is None:
        return CommandResult(shown, None, 0.0, f"{argv[0]}: not installed (not on PATH)")
    started = time.monotonic()
    try:
        completed = subprocess.run(
            [program, *argv[1:]], cwd=cwd, env=dict(env), capture_output=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        return CommandResult(shown, None, time.monotonic() - started, f"timed out after {timeout:g} s")
    except OSError as exc:
        return CommandResult(shown, None, time.monotonic() - started, f"could not start: {exc.strerror}")
    output = (completed.stdout + completed.stderr).decode("utf-8", "replace")
    return CommandResult(
        shown, completed.returncode, time.monotonic() - started, redact(output[-OUTPUT_TAIL:])
    )


def which(program: str, tools_root: Path, env: Mapping[str, str], *, cwd: Path | None = None) -> str | None:
    """Where ``program`` is: a path as given (relative to ``cwd``), else ``tools_root``'s
    node_modules/.bin, else ``PATH``."""
    if "/" in program:
        path = Path(program) if Path(program).is_absolute() else (cwd or tools_root) / program
        return str(path) if path.is_file() and os.access(path, os.X_OK) else None
    local = tools_root / "node_modules" / ".bin" / program
    if local.is_file() and os.access(local, os.X_OK):
        return str(local)
    return shutil.which(program, path=env.get("PATH", os.defpath))
