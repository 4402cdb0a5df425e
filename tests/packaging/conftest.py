"""Shared fixtures of the packaging tests: where the repository and the shared corpus are."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.packaging.locations import SHARED

FLAKY_SUREFIRE = "apache-maven-surefire/fixture/testsuitexmlparser/TEST-org.acme.FlakyTest.xml"


@pytest.fixture
def surefire_report() -> Path:
    """A real Surefire report (one flaky test, reruns kept) from the shared corpus."""
    path = SHARED / "corpus" / "junit" / FLAKY_SUREFIRE
    if not path.is_file():
        pytest.skip(f"the shared corpus is not beside the repository (looked for {path.resolve()})")
    return path


@pytest.fixture
def github_run() -> dict[str, str]:
    """The variables GitHub sets for a push build of acme/shop, less the paths each test chooses."""
    return {
        "CI": "true",
        "GITHUB_ACTIONS": "true",
        "GITHUB_REPOSITORY": "acme/shop",
        "GITHUB_RUN_ID": "7001",
        "GITHUB_RUN_ATTEMPT": "1",
        "GITHUB_SHA": "0123456789abcdef0123456789abcdef01234567",
        "GITHUB_REF": "refs/heads/main",
        "GITHUB_REF_NAME": "main",
        "GITHUB_JOB": "test",
        "GITHUB_WORKFLOW": "CI",
        "GITHUB_EVENT_NAME": "push",
        "GITHUB_SERVER_URL": "https://github.com",
        "RUNNER_WORKSPACE": "/home/runner/work/shop",
    }
