"""Failure-analysis fixtures: reports landed through the real ingest API, and the shared corpus of real
reports (read in place beside the repository, never copied)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from hub.runs.models import Upload
from tests.hub.api.conftest import client_for, superuser  # noqa: F401  (the read API's personas)
from tests.hub.conftest import case, report

# A pull request whose run breaks a test that passes on its base branch (classification's scenarios).
BROKEN = case("test_checkout", "failed", message="assert 3 == 4")
PASSING = case("test_checkout")
PR = {
    "run_id": "pr-1",
    "branch": "feature/cart",
    "base_branch": "main",
    "pull_request": 7,
    "event": "pull_request",
}

CORPUS = Path(__file__).resolve().parents[3] / ".." / "shared" / "corpus" / "junit"


@pytest.fixture
def corpus() -> Path:
    if not CORPUS.is_dir():
        pytest.skip(f"the shared corpus is not beside the repository (looked for {CORPUS.resolve()})")
    return CORPUS


@pytest.fixture
def land(agent) -> Callable[..., Upload]:
    """``land(*cases, **run_fields)``: post a report as the agent does and return the upload it made."""

    def post(*cases, **run) -> Upload:
        response = agent.post_report(report(*cases, **run))
        assert response.status_code in (200, 201), response.content
        return Upload.objects.latest("id")

    return post
