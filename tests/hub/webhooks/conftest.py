"""Webhook fixtures: real payloads from the shared corpus (read in place), signed the way each provider
signs them, posted through Django's test client; tasks run inline when a test asks for it."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import hmac
import json
import uuid
from pathlib import Path

import pytest
from django.test import Client

from hub.integrations.models import Integration
from hub.projects.models import Project

CORPUS = Path(__file__).resolve().parents[3] / ".." / "shared" / "corpus" / "webhooks"
SECRET = "hook-secret-for-tests"


def corpus_bytes(relative: str) -> bytes:
    path = CORPUS / relative
    if not CORPUS.is_dir():
        pytest.skip(f"the shared corpus is not beside the repository (looked for {CORPUS.resolve()})")
    return path.read_bytes()


def corpus_json(relative: str) -> dict:
    return json.loads(corpus_bytes(relative))


def hex_hmac(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class Sender:
    """Posts deliveries as GitHub, GitLab, CircleCI or a generic CI would."""

    def __init__(self) -> None:
        self.client = Client()
        self.commit = contextlib.nullcontext  # the ``run_tasks`` fixture makes each post commit

    def post(self, path: str, body: bytes, **extra):
        with self.commit():
            return self.client.generic("POST", path, body, content_type="application/json", **extra)

    def github(self, event: str, payload, *, secret: str = SECRET, delivery: str | None = None, **headers):
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        extra = {
            "HTTP_X_GITHUB_EVENT": event,
            "HTTP_X_GITHUB_DELIVERY": delivery or str(uuid.uuid4()),
            "HTTP_X_HUB_SIGNATURE_256": "sha256=" + hex_hmac(secret, body),
            **headers,
        }
        return self.post("/webhooks/github", body, **extra)

    def gitlab(self, event: str, payload, *, token: str = SECRET, key: str | None = None, **headers):
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        extra = {
            "HTTP_X_GITLAB_EVENT": event,
            "HTTP_X_GITLAB_TOKEN": token,
            "HTTP_IDEMPOTENCY_KEY": key or str(uuid.uuid4()),
            **headers,
        }
        return self.post("/webhooks/gitlab", body, **extra)

    def circleci(self, payload, *, secret: str = SECRET, **headers):
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        extra = {
            "HTTP_CIRCLECI_EVENT_TYPE": json.loads(body).get("type", ""),
            "HTTP_CIRCLECI_SIGNATURE": "v1=" + hex_hmac(secret, body),
            **headers,
        }
        return self.post("/webhooks/circleci", body, **extra)

    def generic(self, project: str, payload, **headers):
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        return self.post(f"/webhooks/generic/{project}", body, **headers)


@pytest.fixture
def sender() -> Sender:
    return Sender()


@pytest.fixture
def run_tasks(monkeypatch, sender, django_capture_on_commit_callbacks):
    """django-q2 runs tasks inline (its ``sync`` mode), and each post's on-commit hooks fire when it
    returns, as after a real commit. Returns the context that commits, for work outside the sender."""
    from django_q.conf import Conf

    monkeypatch.setattr(Conf, "SYNC", True)
    commit = functools.partial(django_capture_on_commit_callbacks, execute=True)
    sender.commit = commit
    return commit


def project_with_secret(full_name: str, provider: str, secret: str = SECRET) -> Project:
    project = Project.objects.create(full_name=full_name, provider=provider)
    integration = Integration(project=project)
    integration.set_secret("webhook_secret", secret)
    integration.save()
    return project


@pytest.fixture
def octo(db) -> Project:
    """The repository of the corpus's workflow_run payloads, with its own webhook secret."""
    return project_with_secret("octo-org/octo-repo", "github")


@pytest.fixture
def hello_world(db) -> Project:
    """The repository of the corpus's workflow_job, check_suite, pull_request and push payloads."""
    return project_with_secret("Codertocat/Hello-World", "github")
