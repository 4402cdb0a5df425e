"""Fixtures for the provider clients' tests: a fake clock that sleeping advances, GitHub's published
example bodies read in place from the shared corpus (never copied into the repository), and the zips the
CIs hand out (logs, artifacts) built in memory."""

from __future__ import annotations

import io
import json
import stat
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

GITHUB_API = Path(__file__).resolve().parents[3] / ".." / "shared" / "corpus" / "api" / "github"


class FakeTime:
    """``sleep`` records the wait and moves ``clock`` (and the wall clock) forward by it: nothing waits."""

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def clock(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def zip_bytes(entries: dict[str, bytes], *, links: dict[str, str] | None = None) -> bytes:
    """A zip holding ``entries`` (name -> content) and symbolic ``links`` (name -> target)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
        for name, target in (links or {}).items():
            info = zipfile.ZipInfo(name)
            info.create_system = 3
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(info, target)
    return buffer.getvalue()


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


@pytest.fixture
def github_api() -> Path:
    """The GitHub slice of the corpus: the OpenAPI description and its response examples."""
    if not GITHUB_API.is_dir():
        pytest.skip(f"the shared corpus is not beside the repository (looked for {GITHUB_API.resolve()})")
    return GITHUB_API


@pytest.fixture
def github_example(github_api: Path) -> Callable[[str], Any]:
    """A published example body by operation id: ``github_example("actions/get-workflow-run")``."""

    def load(operation_id: str, status: str | None = None) -> Any:
        index = json.loads((github_api / "examples" / "index.json").read_text("utf-8"))
        for entry in index:
            if entry["operationId"] == operation_id and (status is None or entry["status"] == status):
                return json.loads((github_api / "examples" / entry["file"]).read_text("utf-8"))
        raise LookupError(f"no example for {operation_id} {status or ''} in the corpus")

    return load
