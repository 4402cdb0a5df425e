"""CircleCI, on circleci.com and CircleCI server, through API v2 (and v1.1 for job logs).

A run id names either a pipeline or one workflow of a pipeline:

- a pipeline, by its number in the project (what the CircleCI app shows; ``orchestrate ci list`` and
  ``trigger`` give its UUID too). Its jobs are the jobs of its workflows. A pipeline's workflows can be
  re-run, and a re-run adds a workflow of the same name to the pipeline: the latest workflow of each name
  is the one that counts (for the status, the jobs, the attempt).
- a workflow, by its UUID: what a job sees as ``CIRCLE_WORKFLOW_ID``, what the agent reports, the OIDC
  token's ``workflow-id`` and the webhooks' ``workflow.id``, so what the hub knows a CircleCI run by. The
  run is that workflow alone: its status, its jobs, attempt 1 (a re-run is a new workflow, another run).

Numbers are pipelines. A UUID is looked up as a workflow first (``GET /workflow/{id}``), then, when
CircleCI has no such workflow, as a pipeline: the two kinds of ids look alike, and ids the hub and the
agent hold are workflows, so only a pipeline's UUID costs the extra request (once per client: a UUID
found to be a pipeline is remembered, as are the pipelines ``list_runs`` and ``trigger`` return).

Endpoints per operation (``S`` = the project slug, ``gh/OWNER/NAME``, ``bb/OWNER/NAME`` or
``circleci/ORG-ID/PROJECT-ID``):

- list runs: ``GET /project/S/pipeline`` (``branch``; ``next_page_token``), and for each pipeline
  ``GET /pipeline/{id}/workflow`` (a pipeline has no status of its own)
- trigger: ``POST /project/S/pipeline`` with ``{branch | tag, parameters}``; for a ``circleci/`` project,
  ``POST /project/S/pipeline/run`` with ``config["definition_id"]``
- run and jobs: ``GET /pipeline/{id}`` (or ``GET /project/S/pipeline/{number}``),
  ``GET /pipeline/{id}/workflow``, ``GET /workflow/{id}/job``; for a workflow ``GET /workflow/{id}``,
  its pipeline and its jobs
- logs: API v2 has no log endpoint. ``GET /api/v1.1/project/{vcs}/{org}/{repo}/{job_number}`` lists each
  step's ``output_url``, a signed storage address fetched without the token; its JSON messages are joined
  into the log. v1.1 knows ``gh/`` and ``bb/`` projects only: for ``circleci/`` ones logs are unsupported
- re-run: ``POST /workflow/{id}/rerun`` with ``{}`` (every job), ``{"from_failed": true}`` (the failed
  workflows, from their failed jobs) or ``{"jobs": [uuid]}`` (one job and what depends on it), for each
  latest workflow of a pipeline or for the one workflow named; re-running a workflow answers with the new
  workflow (``{"workflow_id"}``), which is the run returned
- cancel: ``POST /workflow/{id}/cancel`` for each workflow still running or on hold (of the pipeline, or
  the one named)
- artifacts: ``GET /project/S/{job_number}/artifacts`` per job; each is one file whose ``url`` is on
  ``output.circle-artifacts.com`` (sent the token, as CircleCI asks; redirects elsewhere are not)

CircleCI has no workflow to choose at trigger time: the configuration decides which workflows run. A
workflow given to ``trigger`` is sent as the pipeline parameter named by ``config["workflow_parameter"]``
when set (for ``when:`` clauses to select on), and is otherwise not sent.

The client's parts live beside it: ``_circleci_mapping`` (CircleCI's objects and statuses in ours; the
tables are re-exported here for the hub's webhooks), ``_circleci_ids`` (pipeline or workflow?),
``_circleci_reruns`` (what a re-run asks for), ``_circleci_logs`` (API v1.1) and ``_circleci_artifacts``.
"""

from __future__ import annotations

import dataclasses
import itertools
import re
from collections.abc import Iterator, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from agent.providers import _circleci_artifacts, _circleci_logs
from agent.providers._circleci_ids import RunIds
from agent.providers._circleci_mapping import (
    CANCELLABLE_WORKFLOWS,
    JOB_STATUSES,
    WORKFLOW_STATUSES,
    job_of_workflow,
    latest_workflows,
    pipeline_run,
    state,
    workflow_run,
)
from agent.providers._circleci_reruns import (
    created_since,
    newer_workflow,
    pipeline_reruns,
    workflow_rerun,
)
from agent.providers.base import (
    ArtifactInfo,
    JobInfo,
    Provider,
    ProviderError,
    RunInfo,
    RunStatus,
    Triggered,
    absolute_url,
    check_retry_choice,
)
from agent.providers.http import ApiClient, collect

__all__ = ["JOB_STATUSES", "WORKFLOW_STATUSES", "CircleCIProvider", "api_url_for", "slug_for", "state"]

PUBLIC_API = "https://circleci.com/api/v2"
ARTIFACT_HOSTS = ("https://output.circle-artifacts.com",)
VCS_SLUGS = {
    "gh": "github",
    "github": "github",
    "bb": "bitbucket",
    "bitbucket": "bitbucket",
    "circleci": "circleci",
}
PART = re.compile(r"^[A-Za-z0-9_.-]+$")

AUTH_HINT = (
    "use a CircleCI personal API token (User Settings > Personal API Tokens; project API tokens are not "
    "accepted by most API v2 endpoints) in CIRCLE_TOKEN for `orchestrate ci`; see docs/providers.md"
)


def api_url_for(url: str | None) -> str:
    """The API v2 base for what a caller gives: nothing or circleci.com's address (the public API), a
    CircleCI server's address (``https://HOST`` becomes ``https://HOST/api/v2``), or an API URL as is."""
    if not url:
        return PUBLIC_API
    url = absolute_url(url)
    parts = urlsplit(url)
    if (parts.hostname or "").lower() in ("circleci.com", "app.circleci.com") and parts.path in (
        "",
        "/api/v2",
    ):
        return PUBLIC_API
    return url if parts.path else url + "/api/v2"


def slug_for(repo: str, vcs: str = "gh") -> str:
    """The project slug for ``OWNER/NAME`` (on ``vcs``) or a slug given whole (``gh/OWNER/NAME``,
    ``bb/OWNER/NAME``, ``circleci/ORG-ID/PROJECT-ID``)."""
    parts = repo.strip().strip("/").split("/")
    if len(parts) == 2:
        parts = [vcs, *parts]
    if (
        len(parts) != 3
        or parts[0] not in VCS_SLUGS
        or not all(PART.match(part) and part not in (".", "..") for part in parts)
    ):
        raise ProviderError(
            f"{repo!r} is not a CircleCI project",
            "pass --repo OWNER/NAME (a GitHub project; set ci.config.vcs: bb for Bitbucket) or the project "
            "slug from Project Settings: gh/OWNER/NAME, bb/OWNER/NAME or circleci/ORG-ID/PROJECT-ID",
        )
    return "/".join(parts)


def parameter(value: str) -> bool | int | str:
    """A pipeline parameter as CircleCI's typed parameters expect it: true/false and whole numbers as
    JSON booleans and numbers, anything else as a string."""
    if value in ("true", "false"):
        return value == "true"
    if re.fullmatch(r"-?[0-9]{1,15}", value):
        return int(value)
    return value


class CircleCIProvider(Provider):
    name = "circleci"
    default_api_url = PUBLIC_API

    def __init__(self, repo: str, **kwargs: Any) -> None:
        super().__init__(repo, **kwargs)
        self.api_url = api_url_for(self.api_url)
        self.slug = slug_for(self.repo, str(self.config.get("vcs") or "gh"))
        parts = urlsplit(self.api_url)
        host = parts.hostname or ""
        self.app_url = (
            "https://app.circleci.com" if host == "circleci.com" else f"{parts.scheme}://{parts.netloc}"
        )
        self.v1_url = self.api_url.removesuffix("/v2") + "/v1.1"
        vcs, owner, name = self.slug.split("/")
        self.web_slug = f"{VCS_SLUGS[vcs]}/{owner}/{name}"
        headers = {"Circle-Token": self.token} if self.token else {}
        not_found = f"check --repo {self.repo} (the project must be set up on CircleCI) and the pipeline id"
        if not self.token:
            not_found += "; a private project also answers 404 without a token: set CIRCLE_TOKEN"
        hosts = self.config.get("artifact_hosts") or ARTIFACT_HOSTS
        self.http = ApiClient.for_provider(
            self,
            "CircleCI",
            headers=headers,
            auth_hint=AUTH_HINT,
            not_found_hint=not_found,
            trusted_urls=[str(host) for host in hosts],
        )
        self.ids = RunIds(self.http, slug=self.slug, repo=self.repo)

    # -- mapping ---------------------------------------------------------------------------------------

    def pipeline_url(self, pipeline: Mapping[str, Any]) -> str:
        return f"{self.app_url}/pipelines/{self.web_slug}/{pipeline.get('number', '')}"

    def workflow_url(self, workflow: Mapping[str, Any]) -> str:
        """The workflow's page (its jobs' pages are under it), as CircleCI's webhooks give it."""
        return (
            f"{self.pipeline_url({'number': workflow.get('pipeline_number', '')})}/workflows/{workflow['id']}"
        )

    def run_info(
        self, pipeline: Mapping[str, Any], workflows: list[dict[str, Any]], jobs: tuple[JobInfo, ...] = ()
    ) -> RunInfo:
        return pipeline_run(pipeline, workflows, jobs, url=self.pipeline_url(pipeline))

    def workflow_run_info(
        self, pipeline: Mapping[str, Any], workflow: Mapping[str, Any], jobs: tuple[JobInfo, ...] = ()
    ) -> RunInfo:
        """One workflow as a run of its own (attempt 1: a re-run of it is a new workflow, another run)."""
        return workflow_run(pipeline, workflow, jobs, url=self.workflow_url(workflow))

    def job_info(self, data: Mapping[str, Any], workflow: Mapping[str, Any], pipeline_url: str) -> JobInfo:
        return job_of_workflow(data, workflow, pipeline_url)

    # -- runs ------------------------------------------------------------------------------------------

    def list_runs(
        self,
        *,
        branch: str | None = None,
        workflow: str | None = None,
        status: str | None = None,
        limit: int = 20,
    ) -> list[RunInfo]:
        """Newest first; each pipeline costs one more request for its workflows (its status)."""
        params = {"branch": branch} if branch else {}
        pages = self.http.token_pages(f"/project/{self.slug}/pipeline", params=params)

        def runs() -> Iterator[RunInfo]:
            for page in pages:
                for pipeline in page.get("items") or []:
                    self.ids.pipeline_ids.add(str(pipeline["id"]))
                    workflows = self.ids.workflows(str(pipeline["id"]))
                    if workflow and not any(
                        str(w.get("name", "")).lower() == workflow.lower() for w in workflows
                    ):
                        continue
                    run = self.run_info(pipeline, workflows)
                    if status is None or run.status == status:
                        yield run

        return list(itertools.islice(runs(), max(0, limit)))

    def get_run(self, run_id: str) -> RunInfo:
        """A pipeline with the jobs of its latest workflows, or one workflow with its jobs."""
        pipeline, workflow = self.ids.lookup(run_id)
        if workflow is not None:
            return self.workflow_run_info(
                self.ids.pipeline_of(workflow), workflow, tuple(self._jobs_of(workflow))
            )
        workflows = self.ids.workflows(str(pipeline["id"]))
        return self.run_info(pipeline, workflows, tuple(self._jobs(pipeline, workflows)))

    def list_jobs(self, run_id: str) -> list[JobInfo]:
        pipeline, workflow = self.ids.lookup(run_id)
        if workflow is not None:
            return self._jobs_of(workflow)
        return self._jobs(pipeline, self.ids.workflows(str(pipeline["id"])))

    def _jobs(self, pipeline: Mapping[str, Any], workflows: list[dict[str, Any]]) -> list[JobInfo]:
        url = self.pipeline_url(pipeline)
        return [job for workflow in latest_workflows(workflows) for job in self._jobs_of(workflow, url)]

    def _jobs_of(self, workflow: Mapping[str, Any], pipeline_url: str | None = None) -> list[JobInfo]:
        url = pipeline_url or self.pipeline_url({"number": workflow.get("pipeline_number", "")})
        return [self.job_info(job, workflow, url) for job in self.ids.workflow_jobs(str(workflow["id"]))]

    # -- trigger ---------------------------------------------------------------------------------------

    def trigger(self, *, workflow: str, ref: str, inputs: Mapping[str, str] | None = None) -> Triggered:
        parameters: dict[str, Any] = {
            str(key): parameter(str(value)) for key, value in (inputs or {}).items()
        }
        carrier = self.config.get("workflow_parameter")
        if carrier and workflow:
            parameters.setdefault(str(carrier), workflow)
        if ref.startswith("refs/tags/"):
            kind, name = "tag", ref.removeprefix("refs/tags/")
        else:
            kind, name = "branch", ref.removeprefix("refs/heads/")
        hint = f"check --repo {self.repo} and that {name!r} is a {kind} of it"
        definition = self.config.get("definition_id")
        if definition:
            body: dict[str, Any] = {
                "definition_id": str(definition),
                "config": {kind: name},
                "checkout": {kind: name},
            }
            path = f"/project/{self.slug}/pipeline/run"
        elif self.slug.startswith("circleci/"):
            raise ProviderError(
                f"CircleCI starts pipelines of {self.slug} only by pipeline definition",
                "set ci.config.definition_id to the id in Project Settings > Pipelines",
            )
        else:
            body, path = {kind: name}, f"/project/{self.slug}/pipeline"
        if parameters:
            body["parameters"] = parameters
        created = self.http.json_body(self.http.request("POST", path, json=body, not_found_hint=hint))
        self.ids.pipeline_ids.add(str(created["id"]))
        # Just created: whatever its state says, it has not run yet.
        run = dataclasses.replace(
            self.run_info(created, []), status=RunStatus.QUEUED.value, conclusion=None, branch=name
        )
        if carrier and workflow:
            about = f"{workflow} passed as pipeline parameter {carrier}"
        elif workflow:
            about = f"the configuration selects the workflows; {workflow!r} is not sent"
        else:
            about = "the configuration selects the workflows"
        number = f"{created['number']}, " if created.get("number") is not None else ""
        return Triggered(run, run.url, f"started pipeline {number}{run.id} on {name} ({about})")

    # -- logs ------------------------------------------------------------------------------------------

    def job_log(self, job_id: str, *, max_bytes: int = 16 << 20) -> str:
        """The job's steps' output, joined, under a ``## step`` line each; its tail when long."""
        return _circleci_logs.job_log(
            self.http,
            job_id,
            v1_url=self.v1_url,
            slug=self.slug,
            web_vcs=VCS_SLUGS[self.slug.split("/")[0]],
            repo=self.repo,
            max_bytes=max_bytes,
        )

    def run_logs(self, run_id: str, dest: Path) -> list[Path]:
        """Each started job's log as ``DEST/{number}-{name}.log``; an approval job, or a job that never ran,
        has none."""
        jobs = self.list_jobs(run_id)
        return self.write_logs([job for job in jobs if job.id.isdigit() and job.started_at is not None], dest)

    # -- control ---------------------------------------------------------------------------------------

    def retry(self, run_id: str, *, failed_only: bool = False, job_id: str | None = None) -> RunInfo | None:
        """Re-run a pipeline's latest workflows, or the one workflow named (each re-run is a new workflow
        in the same pipeline); for a workflow, the new workflow is the run returned."""
        check_retry_choice(failed_only=failed_only, job_id=job_id)
        pipeline, workflow = self.ids.lookup(run_id)
        if workflow is not None:
            return self._rerun_workflow(workflow, failed_only=failed_only, job_id=job_id)
        pipeline_id = str(pipeline["id"])
        reruns = pipeline_reruns(
            run_id,
            latest_workflows(self.ids.workflows(pipeline_id)),
            failed_only=failed_only,
            job_id=job_id,
            workflow_jobs=self.ids.workflow_jobs,
        )
        for workflow_id, body in reruns:
            self.http.request("POST", f"/workflow/{workflow_id}/rerun", json=body)
        return self.run_info(pipeline, self.ids.workflows(pipeline_id))

    def _rerun_workflow(
        self, workflow: Mapping[str, Any], *, failed_only: bool, job_id: str | None
    ) -> RunInfo | None:
        body = workflow_rerun(
            workflow, failed_only=failed_only, job_id=job_id, workflow_jobs=self.ids.workflow_jobs
        )
        answer = self.http.json_body(
            self.http.request("POST", f"/workflow/{workflow['id']}/rerun", json=body)
        )
        started = answer.get("workflow_id") if isinstance(answer, dict) else None
        if not started:
            return None
        new = self.http.get_json(f"/workflow/{started}")
        return self.workflow_run_info(self.ids.pipeline_of(new), new)

    def find_rerun(self, run_id: str, *, attempt: int, since: datetime) -> RunInfo | None:
        """A CircleCI re-run is a new workflow of the same name in the same pipeline: for a workflow,
        the newest such one created after it; for a pipeline, itself once a workflow was created at
        ``since`` or later."""
        pipeline, workflow = self.ids.lookup(run_id)
        if workflow is not None:
            newer = newer_workflow(workflow, self.ids.workflows(str(workflow["pipeline_id"])))
            if newer is None:
                return None
            return self.workflow_run_info(self.ids.pipeline_of(newer), newer)
        workflows = self.ids.workflows(str(pipeline["id"]))
        return self.run_info(pipeline, workflows) if created_since(workflows, since) else None

    def cancel(self, run_id: str) -> None:
        """Cancel a pipeline's workflows still running or on hold, or the one workflow named."""
        pipeline, workflow = self.ids.lookup(run_id)
        if workflow is not None:
            if workflow.get("status") not in CANCELLABLE_WORKFLOWS:
                raise ProviderError(
                    f"workflow {workflow['id']} is {workflow.get('status')}: not running or on hold, so "
                    "there is nothing to cancel",
                    "`orchestrate ci status` shows its state",
                )
            self.http.request("POST", f"/workflow/{workflow['id']}/cancel")
            return
        running = [
            workflow
            for workflow in latest_workflows(self.ids.workflows(str(pipeline["id"])))
            if workflow.get("status") in CANCELLABLE_WORKFLOWS
        ]
        if not running:
            raise ProviderError(
                f"pipeline {run_id} has no running or held workflow to cancel",
                "`orchestrate ci status` shows its state",
            )
        for workflow in running:
            self.http.request("POST", f"/workflow/{workflow['id']}/cancel")

    # -- artifacts -------------------------------------------------------------------------------------

    def _artifacts(self, run_id: str) -> list[tuple[JobInfo, dict[str, Any]]]:
        found = []
        for job in self.list_jobs(run_id):
            if not job.id.isdigit():
                continue  # an approval job keeps nothing
            pages = self.http.token_pages(f"/project/{self.slug}/{job.id}/artifacts")
            found += [(job, item) for item in collect(pages, lambda body: body.get("items") or [])]
        return found

    def list_artifacts(self, run_id: str) -> list[ArtifactInfo]:
        """Every file the jobs stored (``store_artifacts``), named by its path."""
        return [_circleci_artifacts.artifact_info(job, item) for job, item in self._artifacts(run_id)]

    def download_artifacts(self, run_id: str, dest: Path, *, name: str | None = None) -> list[Path]:
        """Each file into ``DEST/JOB/PATH``: JOB is the job's name (with its number when two jobs share
        it), then ``node-N`` for a job that ran on several nodes; ``name`` picks a path or a directory."""
        return _circleci_artifacts.download(
            self.http,
            self._artifacts(run_id),
            dest,
            run_id=run_id,
            name=name,
            max_bytes=self.max_download_bytes,
        )
