"""The loop benchmark's doors into the hub: its project set up, reports uploaded and GitHub's webhooks
delivered as production receives them, through the hub's own views (Django's test client: the whole
request, no network). Imported only in the hub's environment (``_loop_drive.py``)."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from typing import Any

from _loop_github import REPOSITORY

from agent.document import iter_document
from agent.model import RunContext, Status, TestCase

SECRET = "loop-benchmark-hook-secret"
CLASS = "tests.test_app"
POLICY = {
    "route": {"fixer": ["import", "assertion"]},
    "rerun": {"enabled": False},
    "fixer": {"max_per_day": 100000, "max_rounds": 2},
    "merge": {"enabled": True, "allowed_paths": ["app/**", "tests/**"]},
}


class Doors:
    """The project (its GitHub API at ``github_url``, its webhook secret, ``POLICY``), and its agent."""

    def __init__(self, github_url: str) -> None:
        from django.test import Client

        from hub.integrations.models import Integration
        from hub.projects.models import AgentToken, Project
        from hub.response.policy import store

        self.client = Client()
        self.project = Project.objects.create(full_name=REPOSITORY, provider="github")
        integration = Integration(project=self.project, api_url=github_url)
        integration.set_secret("webhook_secret", SECRET)
        integration.set_secret("api_token", "ghp_loop_benchmark")
        integration.save()
        store.save(self.project, POLICY)
        self.token = AgentToken.issue(project=self.project, name="ci")[1]

    def report(
        self,
        run_id: int,
        sha: str,
        branch: str,
        failing: list[tuple[str, str]],
        *,
        attempt: int = 1,
        passing: tuple[str, ...] = ("test_steady",),
    ) -> None:
        """One job's report, written by the agent's own document writer, uploaded as the agent does."""
        failed = {name for name, _ in failing}
        cases = [TestCase(n, Status.FAILED, CLASS, duration=0.01, message=m) for n, m in failing]
        cases += [TestCase(n, Status.PASSED, CLASS, duration=0.01) for n in passing if n not in failed]
        context = RunContext(
            provider="github",
            repository=REPOSITORY,
            run_id=str(run_id),
            run_attempt=attempt,
            workflow="CI",
            branch=branch,
            commit_sha=sha,
            job_name="build",
        )
        answer = self.client.generic(
            "POST",
            "/api/v1/reports",
            b"".join(iter_document(context, cases, project=REPOSITORY)),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {self.token}",
        )
        if answer.status_code != 201:
            raise RuntimeError(f"the hub refused a report ({answer.status_code}): {answer.content[:500]!r}")

    def webhook(self, event: str, payload: dict[str, Any]) -> float:
        """Deliver a signed GitHub webhook; the hub's wall seconds for it (its tasks run inline)."""
        payload = {
            **payload,
            "repository": {"id": 1, "full_name": REPOSITORY, "name": "loop", "owner": {"login": "bench"}},
        }
        body = json.dumps(payload).encode()
        signature = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
        started = time.perf_counter()
        answer = self.client.generic(
            "POST",
            "/webhooks/github",
            body,
            content_type="application/json",
            HTTP_X_GITHUB_EVENT=event,
            HTTP_X_GITHUB_DELIVERY=str(uuid.uuid4()),
            HTTP_X_HUB_SIGNATURE_256=signature,
        )
        took = time.perf_counter() - started
        if answer.status_code not in (200, 202):
            raise RuntimeError(
                f"the hub refused a {event} webhook ({answer.status_code}): {answer.content!r}"
            )
        return took
