"""Fixtures for the agent's tests: report files written on the fly, and the shared third-party corpus."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

CORPUS = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpus"


@pytest.fixture
def corpus() -> Path:
    """The shared corpus of real reports (read in place, never copied into the repository)."""
    if not CORPUS.is_dir():
        pytest.skip(f"the shared corpus is not here ({CORPUS.resolve()}); it lives beside the repository")
    return CORPUS


@pytest.fixture
def report_file(tmp_path: Path) -> Callable[..., Path]:
    """Write ``content`` (str or bytes) to a file in a temporary directory and return its path."""
    counter = 0

    def write(content: str | bytes, name: str | None = None) -> Path:
        nonlocal counter
        counter += 1
        path = tmp_path / (name or f"report-{counter}.xml")
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, "utf-8")
        return path

    return write


@pytest.fixture
def lint_repo(tmp_path: Path) -> tuple[Path, Path]:
    """``orchestrate fix``'s usual case: a ruff repository with an unformatted file, and the failing log."""
    from tests.agent.fix_repos import lint_repo_in

    return lint_repo_in(tmp_path)
