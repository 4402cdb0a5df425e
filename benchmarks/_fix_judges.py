"""How ``fix_quality.py`` tells a right fix from a wrong one without asking the fixer: the tool's own
check passes and the code means what it meant; the manifest, parsed, declares what it did plus the right
distribution; the test runs; the repaired file parses with one line changed."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import tomllib
from collections.abc import Callable
from pathlib import Path

VENV_BIN = str(Path(sys.executable).parent)
ENV = {
    "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', os.defpath)}",
    "HOME": os.environ.get("HOME", "/"),
}


def run(root: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(argv), cwd=root, capture_output=True, text=True, env={**os.environ, **ENV})


def same_meaning_and(*check: str, reorders: bool = False) -> Callable[[Path, dict[str, str]], bool]:
    """The tool's check passes now and every Python file means what it meant: the same AST, or, for a tool
    that sorts imports (``reorders``), the same top-level statements in any order."""

    def statements(text: str) -> list[str]:
        body = [ast.dump(node) for node in ast.parse(text).body]
        return sorted(body) if reorders else body

    def judge(root: Path, original: dict[str, str]) -> bool:
        if run(root, *check).returncode != 0:
            return False
        return all(
            statements(text) == statements((root / path).read_text())
            for path, text in original.items()
            if path.endswith(".py")
        )

    return judge


def same_output_and(*check: str) -> Callable[[Path, dict[str, str]], bool]:
    def judge(root: Path, original: dict[str, str]) -> bool:
        before = subprocess.run([sys.executable, "-c", original["app.py"]], capture_output=True, text=True)
        after = run(root, sys.executable, "app.py")
        return run(root, *check).returncode == 0 and before.stdout == after.stdout and after.returncode == 0

    return judge


def declares(path: str, kind: str, distribution: str) -> Callable[[Path, dict[str, str]], bool]:
    """The manifest, parsed, declares what it did plus ``distribution``, and nothing else changed."""

    def names(text: str) -> list[str]:
        if kind == "requirements":
            return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]
        document = tomllib.loads(text)
        if kind == "poetry":
            return list(document["tool"]["poetry"]["dependencies"])
        return list(document["project"]["dependencies"])

    def judge(root: Path, original: dict[str, str]) -> bool:
        return names((root / path).read_text()) == [*names(original[path]), distribution]

    return judge


def npm_declares(name: str, version: str) -> Callable[[Path, dict[str, str]], bool]:
    def judge(root: Path, original: dict[str, str]) -> bool:
        before, after = json.loads(original["package.json"]), json.loads((root / "package.json").read_text())
        return after["dependencies"] == {**before.get("dependencies", {}), name: version} and {
            k: v for k, v in after.items() if k != "dependencies"
        } == {k: v for k, v in before.items() if k != "dependencies"}

    return judge


def command_passes(*argv: str) -> Callable[[Path, dict[str, str]], bool]:
    return lambda root, _original: run(root, *argv).returncode == 0


def parses_with_one_line_changed(path: str) -> Callable[[Path, dict[str, str]], bool]:
    def judge(root: Path, original: dict[str, str]) -> bool:
        new = (root / path).read_text()
        ast.parse(new)
        changed = [a for a, b in zip(original[path].splitlines(), new.splitlines(), strict=False) if a != b]
        return len(changed) == 1 and len(original[path].splitlines()) == len(new.splitlines())

    return judge
