"""Shared hub fixtures: personas (an owner, a teammate, an outsider), projects with agent tokens, and a
client that posts reports the way the agent does."""

from __future__ import annotations

import gzip
import json

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from hub.projects.models import AgentToken, Membership, Project
from hub.runs.models import Test, TestResult
from hub.runs.services import segments


@pytest.fixture(autouse=True)
def _static_files_without_a_manifest(settings):
    """Production settings serve hashed static files from a manifest built by collectstatic; tests render
    admin pages without running collectstatic first."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """Rate-limit counters live in the cache; a test starts with none."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def project(db) -> Project:
    return Project.objects.create(full_name="acme/widgets", provider="github", default_branch="main")


@pytest.fixture
def other_project(db) -> Project:
    return Project.objects.create(full_name="globex/gadgets", provider="gitlab", default_branch="main")


@pytest.fixture
def agent_token(project) -> str:
    _, plain = AgentToken.issue(project=project, name="ci")
    return plain


@pytest.fixture
def owner(project):
    user = get_user_model().objects.create_user("olivia", password="pw-olivia-123")
    Membership.objects.create(project=project, user=user, role=Membership.Role.OWNER)
    return user


@pytest.fixture
def teammate(project):
    user = get_user_model().objects.create_user("tom", password="pw-tom-123")
    Membership.objects.create(project=project, user=user, role=Membership.Role.MEMBER)
    return user


@pytest.fixture
def reader(project):
    """A read-only member of acme/widgets: sees everything there, may act on nothing."""
    user = get_user_model().objects.create_user("rita", password="pw-rita-123")
    Membership.objects.create(project=project, user=user, role=Membership.Role.READ_ONLY)
    return user


@pytest.fixture
def outsider(other_project):
    user = get_user_model().objects.create_user("oscar", password="pw-oscar-123")
    Membership.objects.create(project=other_project, user=user, role=Membership.Role.OWNER)
    return user


class Agent:
    """Posts reports like the agent: JSON (optionally gzip) with a bearer token and an idempotency key."""

    def __init__(self, token: str) -> None:
        self.client = APIClient()
        self.token = token

    def headers(self, **extra) -> dict:
        return {"HTTP_AUTHORIZATION": f"Bearer {self.token}", **extra}

    def post_report(self, doc, *, gzip_body: bool = False, key: str | None = None, raw: bytes | None = None):
        body = raw if raw is not None else json.dumps(doc).encode()
        extra = {}
        if gzip_body:
            body = gzip.compress(body)
            extra["HTTP_CONTENT_ENCODING"] = "gzip"
        if key:
            extra["HTTP_IDEMPOTENCY_KEY"] = key
        return self.client.generic(
            "POST", "/api/v1/reports", body, content_type="application/json", **self.headers(**extra)
        )

    def post_multipart(self, data: dict, *, key: str | None = None):
        extra = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
        return self.client.post("/api/v1/reports", data, format="multipart", **self.headers(**extra))


@pytest.fixture
def agent(agent_token) -> Agent:
    return Agent(agent_token)


def report(*cases, run_id="1001", attempt=1, job="test", branch="main", sha="a" * 40, **run) -> dict:
    """A small version-1 report document."""
    return {
        "version": 1,
        "run": {
            "provider": "github",
            "run_id": run_id,
            "attempt": attempt,
            "branch": branch,
            "commit_sha": sha,
            **run,
        },
        "job": {"name": job},
        "cases": list(cases),
    }


def case(name, status="passed", classname="tests.test_widgets", **extra) -> dict:
    return {"name": name, "classname": classname, "status": status, "duration": 0.01, **extra}


@pytest.fixture
def two_results_a_segment(monkeypatch):
    """Segments of two results, so that a few small reports span several of them."""
    monkeypatch.setattr(segments, "SEGMENT_BITS", 1)


def post_runs(agent: Agent, runs: int, *names: str, first: int = 1) -> None:
    """``runs`` reports, one run each, of the tests ``names`` (all passing)."""
    for number in range(first, first + runs):
        response = agent.post_report(report(*(case(name) for name in names), run_id=str(number)))
        assert response.status_code == 201, response.content


def runs_of(test: Test) -> list[int]:
    """The runs of ``test``'s results, in no particular order."""
    return list(TestResult.objects.filter(test=test).values_list("run_id", flat=True))
