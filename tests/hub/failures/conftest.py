"""Failure-analysis fixtures: reports landed through the real ingest API, and the shared corpus of real
reports (read in place beside the repository, never copied)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from hub.runs.models import Upload
from tests.hub.api.conftest import client_for, superuser  # noqa: F401  (the read API's personas)
from tests.hub.conftest import report

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
