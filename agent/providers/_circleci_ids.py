"""Which CircleCI object a run id names, a pipeline or one workflow, and the reads that follow from it.

The two kinds of ids look alike (UUIDs), and the ids the hub and the agent hold are workflows, so a UUID is
tried as a workflow first and only a pipeline's UUID costs a second request. A UUID found to be a pipeline
is remembered for the client's life, as are the pipelines ``list_runs`` and ``trigger`` see, so the guess
is paid once. Numbers are always pipelines (what the CircleCI app shows).
"""

from __future__ import annotations

import re
from typing import Any

from agent.providers.base import NotFoundError, ProviderError
from agent.providers.http import ApiClient, collect

UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


class RunIds:
    """Resolves run ids for one project and fetches a pipeline's workflows and a workflow's jobs."""

    def __init__(self, http: ApiClient, *, slug: str, repo: str) -> None:
        self.http = http
        self.slug = slug
        self.repo = repo
        self.pipeline_ids: set[str] = set()  # UUIDs known to name pipelines, not workflows

    def lookup(self, run_id: str) -> tuple[dict[str, Any], None] | tuple[None, dict[str, Any]]:
        """``(pipeline, None)`` when ``run_id`` names a pipeline (by number or UUID), ``(None, workflow)``
        when it names a workflow: a UUID is tried as a workflow first, unless known to be a pipeline."""
        text = str(run_id).strip()
        hint = (
            f"check --repo {self.repo} and the run id: a pipeline's number or UUID (`orchestrate ci list` "
            "lists them) or a workflow's UUID (CIRCLE_WORKFLOW_ID)"
        )
        if text.isdigit():
            pipeline = self.http.get_json(f"/project/{self.slug}/pipeline/{text}", not_found_hint=hint)
            self.pipeline_ids.add(str(pipeline["id"]))
            return pipeline, None
        if not UUID.match(text):
            raise ProviderError(
                f"CircleCI runs are named by a pipeline's number or UUID or by a workflow's UUID, "
                f"not {run_id!r}",
                "find one with `orchestrate ci list`",
            )
        if text not in self.pipeline_ids:
            try:
                return None, self.http.get_json(f"/workflow/{text}", not_found_hint=hint)
            except NotFoundError:
                pass  # not a workflow (or not one this token sees): perhaps a pipeline
        try:
            pipeline = self.http.get_json(f"/pipeline/{text}", not_found_hint=hint)
        except NotFoundError as error:
            raise NotFoundError(
                f"CircleCI has no workflow or pipeline {text} (404)", hint, status=error.status
            ) from None
        self.pipeline_ids.add(text)
        return pipeline, None

    def pipeline_of(self, workflow: Any) -> dict[str, Any]:
        return self.http.get_json(f"/pipeline/{workflow['pipeline_id']}")

    def workflows(self, pipeline_id: str) -> list[dict[str, Any]]:
        pages = self.http.token_pages(f"/pipeline/{pipeline_id}/workflow")
        return collect(pages, lambda body: body.get("items") or [])

    def workflow_jobs(self, workflow_id: str) -> list[dict[str, Any]]:
        pages = self.http.token_pages(f"/workflow/{workflow_id}/job")
        return collect(pages, lambda body: body.get("items") or [])
