"""Operations fixtures: the providers faked at the HTTP boundary with ``responses`` (any request not
registered fails the test), their answers built from the real example bodies in the shared corpus (read in
place), and projects whose integration holds a provider API token."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import responses

from hub.integrations.models import Integration
from hub.projects.models import Project
from tests.hub.api.conftest import client_for, superuser  # noqa: F401  (fixtures shared with the API tests)

CORPUS_API = Path(__file__).resolve().parents[3] / ".." / "shared" / "corpus" / "api"
GITHUB = "https://api.github.com"
PROVIDER_TOKEN = "ghp_provider-token-for-tests"


def corpus_api(relative: str) -> Any:
    """A JSON body from ``corpus/api`` (``github/examples/...``, ``gitlab/gitlab4j/...``)."""
    if not CORPUS_API.is_dir():
        pytest.skip(f"the shared corpus is not beside the repository (looked for {CORPUS_API.resolve()})")
    return json.loads((CORPUS_API / relative).read_text("utf-8"))


def github_run(run_id: int, **changes) -> dict:
    """GitHub's published workflow run example, as run ``run_id`` with ``changes`` applied."""
    run = corpus_api("github/examples/actions__get-workflow-run.200.default.json")
    run.update(id=run_id, **changes)
    return run


def github_jobs(run_id: int, *jobs: dict) -> dict:
    """GitHub's published jobs list example, its one job repeated with each of ``jobs``' changes."""
    page = corpus_api("github/examples/actions__list-jobs-for-workflow-run.200.default.json")
    template = page["jobs"][0]
    listed = [{**template, "run_id": run_id, **changes} for changes in jobs]
    return {"total_count": len(listed), "jobs": listed}


def give_token(project: Project, token: str = PROVIDER_TOKEN, **fields) -> Integration:
    integration, _ = Integration.objects.get_or_create(project=project, defaults=fields)
    integration.set_secret("api_token", token)
    integration.save()
    return integration


@pytest.fixture
def api():
    """The outside world: only the registered answers exist."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def with_token(project) -> Project:
    """acme/widgets on github.com, with a provider API token."""
    give_token(project)
    return project


def repo_url(project: Project, path: str) -> str:
    return f"{GITHUB}/repos/{project.full_name}{path}"
