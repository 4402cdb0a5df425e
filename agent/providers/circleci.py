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
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import re
import tempfile
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlsplit

from agent.providers.base import (
    ArtifactInfo,
    Conclusion,
    JobInfo,
    NotFoundError,
    Provider,
    ProviderError,
    RunInfo,
    RunStatus,
    Triggered,
    absolute_url,
    check_retry_choice,
    file_name,
    parse_time,
)
from agent.providers.http import ApiClient, collect, tail_text

PUBLIC_API = "https://circleci.com/api/v2"
ARTIFACT_HOSTS = ("https://output.circle-artifacts.com",)
MAX_STEP_OUTPUT_BYTES = 64 << 20  # one step's output as JSON, before it is joined into the log
VCS_SLUGS = {
    "gh": "github",
    "github": "github",
    "bb": "bitbucket",
    "bitbucket": "bitbucket",
    "circleci": "circleci",
}
PART = re.compile(r"^[A-Za-z0-9_.-]+$")
UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")

# Workflow statuses in ours; an unknown one is taken to be still running. With JOB_STATUSES, the one
# translation of CircleCI's words: the hub's webhooks (hub/webhooks/services/circleci.py) read them through
# ``state``. ``failing`` still runs (a job failed, others go on). ``on_hold`` waits for someone to approve a
# job and goes no further by itself: finished, neutral, so ``wait`` ends.
WORKFLOW_STATUSES: dict[str, tuple[RunStatus, Conclusion | None]] = {
    "running": (RunStatus.IN_PROGRESS, None),
    "failing": (RunStatus.IN_PROGRESS, None),
    "success": (RunStatus.COMPLETED, Conclusion.SUCCESS),
    "failed": (RunStatus.COMPLETED, Conclusion.FAILURE),
    "error": (RunStatus.COMPLETED, Conclusion.FAILURE),
    "unauthorized": (RunStatus.COMPLETED, Conclusion.FAILURE),
    "canceled": (RunStatus.COMPLETED, Conclusion.CANCELLED),
    "not_run": (RunStatus.COMPLETED, Conclusion.SKIPPED),
    "on_hold": (RunStatus.COMPLETED, Conclusion.NEUTRAL),
}
# Job statuses in ours (``blocked``: waiting for the jobs it requires; ``retried``: replaced by a re-run).
JOB_STATUSES: dict[str, tuple[RunStatus, Conclusion | None]] = {
    **WORKFLOW_STATUSES,
    "queued": (RunStatus.QUEUED, None),
    "not_running": (RunStatus.QUEUED, None),
    "blocked": (RunStatus.QUEUED, None),
    "infrastructure_fail": (RunStatus.COMPLETED, Conclusion.FAILURE),
    "terminated-unknown": (RunStatus.COMPLETED, Conclusion.FAILURE),
    "timedout": (RunStatus.COMPLETED, Conclusion.TIMED_OUT),
    "retried": (RunStatus.COMPLETED, Conclusion.NEUTRAL),
}
# The worst conclusion among a pipeline's workflows is the pipeline's.
SEVERITY = (
    Conclusion.FAILURE,
    Conclusion.TIMED_OUT,
    Conclusion.CANCELLED,
    Conclusion.NEUTRAL,
    Conclusion.SUCCESS,
)
PIPELINE_WAITING = frozenset({"setup-pending", "setup", "pending"})
FAILED_WORKFLOWS = frozenset({"failed", "error"})
CANCELLABLE_WORKFLOWS = frozenset({"running", "failing", "on_hold"})

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


def state(table: Mapping[str, tuple[RunStatus, Conclusion | None]], value: object) -> tuple[str, str | None]:
    """Our (status, conclusion) for a workflow's (``WORKFLOW_STATUSES``) or a job's (``JOB_STATUSES``)
    status."""
    status, conclusion = table.get(str(value), (RunStatus.IN_PROGRESS, None))
    return status.value, conclusion.value if conclusion is not None else None


def latest_workflows(workflows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The newest workflow of each name (a re-run adds one of the same name), in the order first seen."""
    latest: dict[str, dict[str, Any]] = {}
    for workflow in workflows:
        name = str(workflow.get("name") or workflow.get("id"))
        known = latest.get(name)
        if known is None or _created(workflow) > _created(known):
            latest[name] = workflow
    return list(latest.values())


def _created(data: Mapping[str, Any]) -> datetime:
    return parse_time(data.get("created_at")) or datetime.min.replace(tzinfo=UTC)


def pipeline_state(pipeline: Mapping[str, Any], workflows: list[dict[str, Any]]) -> tuple[str, str | None]:
    """A pipeline's (status, conclusion) from its latest workflows: running while any runs, else the worst
    conclusion. Without workflows: waiting while CircleCI sets it up, failed when its configuration
    errored, skipped when no workflow was selected to run."""
    if pipeline.get("state") == "errored":
        return RunStatus.COMPLETED.value, Conclusion.FAILURE.value
    if not workflows:
        if pipeline.get("state") in PIPELINE_WAITING:
            return RunStatus.QUEUED.value, None
        return RunStatus.COMPLETED.value, Conclusion.SKIPPED.value
    states = [state(WORKFLOW_STATUSES, workflow.get("status")) for workflow in workflows]
    statuses = {status for status, _ in states}
    if RunStatus.IN_PROGRESS in statuses:
        return RunStatus.IN_PROGRESS.value, None
    if RunStatus.QUEUED in statuses:
        return RunStatus.QUEUED.value, None
    conclusions = {conclusion for _, conclusion in states}
    for conclusion in SEVERITY:
        if conclusion in conclusions:
            return RunStatus.COMPLETED.value, conclusion.value
    return RunStatus.COMPLETED.value, Conclusion.SKIPPED.value


def relative_path(path: str) -> PurePosixPath | None:
    """An artifact's path as a relative path that stays inside the destination, or None."""
    if not path or "\\" in path or "\0" in path or path.startswith("/") or (len(path) > 1 and path[1] == ":"):
        return None
    parts = [part for part in path.split("/") if part not in ("", ".")]
    if not parts or ".." in parts:
        return None
    return PurePosixPath(*parts)


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
        self._pipeline_ids: set[str] = set()  # UUIDs known to name pipelines, not workflows
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
        latest = latest_workflows(workflows)
        status, conclusion = pipeline_state(pipeline, latest)
        vcs = pipeline.get("vcs") or {}
        names = [str(workflow.get("name") or "") for workflow in workflows]
        return RunInfo(
            id=str(pipeline["id"]),
            status=status,
            conclusion=conclusion,
            url=self.pipeline_url(pipeline),
            workflow=", ".join(str(workflow.get("name") or "") for workflow in latest),
            branch=str(vcs.get("branch") or vcs.get("tag") or ""),
            commit_sha=str(vcs.get("revision") or ""),
            event=str((pipeline.get("trigger") or {}).get("type") or ""),
            attempt=max((names.count(name) for name in names), default=1),
            created_at=parse_time(pipeline.get("created_at")),
            updated_at=parse_time(pipeline.get("updated_at")),
            jobs=jobs,
            raw={**pipeline, "workflows": workflows},
        )

    def workflow_run_info(
        self, pipeline: Mapping[str, Any], workflow: Mapping[str, Any], jobs: tuple[JobInfo, ...] = ()
    ) -> RunInfo:
        """One workflow as a run of its own: its status, its jobs, attempt 1 (a re-run of it is a new
        workflow, so another run), as the agent, the webhooks and the hub count it."""
        status, conclusion = state(WORKFLOW_STATUSES, workflow.get("status"))
        vcs = pipeline.get("vcs") or {}
        return RunInfo(
            id=str(workflow["id"]),
            status=status,
            conclusion=conclusion,
            url=self.workflow_url(workflow),
            workflow=str(workflow.get("name") or ""),
            branch=str(vcs.get("branch") or vcs.get("tag") or ""),
            commit_sha=str(vcs.get("revision") or ""),
            event=str((pipeline.get("trigger") or {}).get("type") or ""),
            attempt=1,
            created_at=parse_time(workflow.get("created_at")),
            updated_at=parse_time(workflow.get("stopped_at")),
            jobs=jobs,
            raw={**workflow, "pipeline": dict(pipeline)},
        )

    def job_info(self, data: Mapping[str, Any], workflow: Mapping[str, Any], pipeline_url: str) -> JobInfo:
        """A job, named by its number (what logs and artifacts are addressed by); an approval job has no
        number and is named by its UUID."""
        status, conclusion = state(JOB_STATUSES, data.get("status"))
        number = data.get("job_number")
        url = f"{pipeline_url}/workflows/{workflow.get('id')}"
        return JobInfo(
            id=str(number) if number is not None else str(data["id"]),
            name=str(data.get("name") or ""),
            status=status,
            conclusion=conclusion,
            url=f"{url}/jobs/{number}" if number is not None else url,
            started_at=parse_time(data.get("started_at")),
            completed_at=parse_time(data.get("stopped_at")),
            raw=dict(data),
        )

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
                    self._pipeline_ids.add(str(pipeline["id"]))
                    workflows = self._workflows(str(pipeline["id"]))
                    if workflow and not any(
                        str(w.get("name", "")).lower() == workflow.lower() for w in workflows
                    ):
                        continue
                    run = self.run_info(pipeline, workflows)
                    if status is None or run.status == status:
                        yield run

        return list(itertools.islice(runs(), max(0, limit)))

    def _lookup(self, run_id: str) -> tuple[dict[str, Any], None] | tuple[None, dict[str, Any]]:
        """``(pipeline, None)`` when ``run_id`` names a pipeline (by number or UUID), ``(None, workflow)``
        when it names a workflow: a UUID is tried as a workflow first, unless known to be a pipeline."""
        text = str(run_id).strip()
        hint = (
            f"check --repo {self.repo} and the run id: a pipeline's number or UUID (`orchestrate ci list` "
            "lists them) or a workflow's UUID (CIRCLE_WORKFLOW_ID)"
        )
        if text.isdigit():
            pipeline = self.http.get_json(f"/project/{self.slug}/pipeline/{text}", not_found_hint=hint)
            self._pipeline_ids.add(str(pipeline["id"]))
            return pipeline, None
        if not UUID.match(text):
            raise ProviderError(
                f"CircleCI runs are named by a pipeline's number or UUID or by a workflow's UUID, "
                f"not {run_id!r}",
                "find one with `orchestrate ci list`",
            )
        if text not in self._pipeline_ids:
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
        self._pipeline_ids.add(text)
        return pipeline, None

    def _pipeline_of(self, workflow: Mapping[str, Any]) -> dict[str, Any]:
        return self.http.get_json(f"/pipeline/{workflow['pipeline_id']}")

    def _workflows(self, pipeline_id: str) -> list[dict[str, Any]]:
        pages = self.http.token_pages(f"/pipeline/{pipeline_id}/workflow")
        return collect(pages, lambda body: body.get("items") or [])

    def _workflow_jobs(self, workflow_id: str) -> list[dict[str, Any]]:
        pages = self.http.token_pages(f"/workflow/{workflow_id}/job")
        return collect(pages, lambda body: body.get("items") or [])

    def get_run(self, run_id: str) -> RunInfo:
        """A pipeline with the jobs of its latest workflows, or one workflow with its jobs."""
        pipeline, workflow = self._lookup(run_id)
        if workflow is not None:
            return self.workflow_run_info(
                self._pipeline_of(workflow), workflow, tuple(self._jobs_of(workflow))
            )
        workflows = self._workflows(str(pipeline["id"]))
        return self.run_info(pipeline, workflows, tuple(self._jobs(pipeline, workflows)))

    def list_jobs(self, run_id: str) -> list[JobInfo]:
        pipeline, workflow = self._lookup(run_id)
        if workflow is not None:
            return self._jobs_of(workflow)
        return self._jobs(pipeline, self._workflows(str(pipeline["id"])))

    def _jobs(self, pipeline: Mapping[str, Any], workflows: list[dict[str, Any]]) -> list[JobInfo]:
        url = self.pipeline_url(pipeline)
        return [job for workflow in latest_workflows(workflows) for job in self._jobs_of(workflow, url)]

    def _jobs_of(self, workflow: Mapping[str, Any], pipeline_url: str | None = None) -> list[JobInfo]:
        url = pipeline_url or self.pipeline_url({"number": workflow.get("pipeline_number", "")})
        return [self.job_info(job, workflow, url) for job in self._workflow_jobs(str(workflow["id"]))]

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
        self._pipeline_ids.add(str(created["id"]))
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
        number = str(job_id).strip()
        if UUID.match(number):  # jobs without a number are approval jobs
            return "(an approval job: it has no log)\n"
        if not number.isdigit():
            raise ProviderError(
                f"CircleCI job logs are read by job number, not {job_id!r}",
                "an approval job has no log; `orchestrate ci status --run ID` shows the jobs' numbers",
            )
        vcs, owner, name = self.slug.split("/")
        if vcs == "circleci":
            raise self.unsupported(
                f"read job logs of {self.slug} through its API",
                "only API v1.1 serves step output, and it knows gh/ and bb/ projects only; "
                "open the job in the CircleCI app",
            )
        job = self.http.get_json(
            f"{self.v1_url}/project/{VCS_SLUGS[vcs]}/{owner}/{name}/{number}",
            not_found_hint=f"check --repo {self.repo} and the job number",
        )
        buffer = bytearray()
        dropped = 0
        for step in job.get("steps") or []:
            actions = step.get("actions") or []
            for action in actions:
                title = f"## {step.get('name') or action.get('name') or 'step'}"
                if len(actions) > 1:
                    title += f" (node {action.get('index', 0)})"
                buffer += (title + "\n").encode()
                if action.get("output_url"):
                    buffer += self._step_output(str(action["output_url"])).encode()
                if len(buffer) > max_bytes:
                    dropped += len(buffer) - max_bytes
                    del buffer[: len(buffer) - max_bytes]
        return tail_text(bytes(buffer), dropped)

    def _step_output(self, url: str) -> str:
        """One step's output: a signed URL off the API's host (no token), JSON messages, bounded."""
        with tempfile.TemporaryDirectory(prefix="orchestrate-") as scratch:
            path = self.http.download(url, Path(scratch) / "output.json", max_bytes=MAX_STEP_OUTPUT_BYTES)
            try:
                messages = json.loads(path.read_bytes())
            except ValueError:
                return path.read_bytes().decode("utf-8", "replace")
        if not isinstance(messages, list):
            return ""
        return "".join(str(item.get("message") or "") for item in messages if isinstance(item, dict))

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
        pipeline, workflow = self._lookup(run_id)
        if workflow is not None:
            return self._rerun_workflow(workflow, failed_only=failed_only, job_id=job_id)
        pipeline_id = str(pipeline["id"])
        latest = latest_workflows(self._workflows(pipeline_id))
        reruns: list[tuple[str, dict[str, Any]]] = []
        if job_id is not None:
            for workflow in latest:
                for job in self._workflow_jobs(str(workflow["id"])):
                    if job_id in (str(job.get("job_number")), str(job.get("id"))):
                        reruns.append((str(workflow["id"]), {"jobs": [job["id"]]}))
            if not reruns:
                raise NotFoundError(
                    f"pipeline {run_id} has no job {job_id!r} in its latest workflows",
                    "`orchestrate ci status --run ID` lists its jobs",
                )
            reruns = reruns[:1]
        elif failed_only:
            reruns = [
                (str(w["id"]), {"from_failed": True}) for w in latest if w.get("status") in FAILED_WORKFLOWS
            ]
            if not reruns:
                raise ProviderError(
                    f"pipeline {run_id} has no failed workflow to re-run", "re-run it all without --failed"
                )
        else:
            reruns = [(str(workflow["id"]), {}) for workflow in latest]
            if not reruns:
                raise ProviderError(f"pipeline {run_id} has no workflow to re-run", "trigger a new pipeline")
        for workflow_id, body in reruns:
            self.http.request("POST", f"/workflow/{workflow_id}/rerun", json=body)
        return self.run_info(pipeline, self._workflows(pipeline_id))

    def _rerun_workflow(
        self, workflow: Mapping[str, Any], *, failed_only: bool, job_id: str | None
    ) -> RunInfo | None:
        workflow_id = str(workflow["id"])
        body: dict[str, Any] = {}
        if job_id is not None:
            jobs = [
                job
                for job in self._workflow_jobs(workflow_id)
                if job_id in (str(job.get("job_number")), str(job.get("id")))
            ]
            if not jobs:
                raise NotFoundError(
                    f"workflow {workflow_id} has no job {job_id!r}",
                    "`orchestrate ci status --run ID` lists its jobs",
                )
            body = {"jobs": [jobs[0]["id"]]}
        elif failed_only:
            if workflow.get("status") not in FAILED_WORKFLOWS:
                raise ProviderError(
                    f"workflow {workflow_id} did not fail (it is {workflow.get('status')}): no failed jobs "
                    "to re-run",
                    "re-run it all without --failed",
                )
            body = {"from_failed": True}
        answer = self.http.json_body(self.http.request("POST", f"/workflow/{workflow_id}/rerun", json=body))
        started = answer.get("workflow_id") if isinstance(answer, dict) else None
        if not started:
            return None
        new = self.http.get_json(f"/workflow/{started}")
        return self.workflow_run_info(self._pipeline_of(new), new)

    def cancel(self, run_id: str) -> None:
        """Cancel a pipeline's workflows still running or on hold, or the one workflow named."""
        pipeline, workflow = self._lookup(run_id)
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
            for workflow in latest_workflows(self._workflows(str(pipeline["id"])))
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
        return [
            ArtifactInfo(
                id=f"{job.id}:{item.get('node_index', 0)}:{item.get('path', '')}",
                name=str(item.get("path") or ""),
                size=None,  # CircleCI does not say
                expired=False,  # CircleCI deletes expired artifacts from the list
                raw=dict(item),
            )
            for job, item in self._artifacts(run_id)
        ]

    def download_artifacts(self, run_id: str, dest: Path, *, name: str | None = None) -> list[Path]:
        """Each file into ``DEST/JOB/PATH``: JOB is the job's name (with its number when two jobs share
        it), then ``node-N`` for a job that ran on several nodes; ``name`` picks a path or a directory."""
        found = self._artifacts(run_id)
        if name is not None:
            prefix = name.strip("/") + "/"
            found = [
                (job, item)
                for job, item in found
                if item.get("path") == name or str(item.get("path", "")).startswith(prefix)
            ]
            if not found:
                raise NotFoundError(
                    f"run {run_id} has no artifact at {name!r}",
                    f"`orchestrate ci artifacts {run_id}` lists their paths",
                )
        limit = self.max_download_bytes
        nodes: dict[str, set[int]] = {}
        names: dict[str, set[str]] = {}
        for job, item in found:
            nodes.setdefault(job.id, set()).add(int(item.get("node_index") or 0))
            names.setdefault(file_name(job.name, f"job-{job.id}"), set()).add(job.id)
        root = dest.resolve()
        plan: list[tuple[str, Path]] = []  # every file checked before anything is downloaded
        for job, item in found:
            relative = relative_path(str(item.get("path") or ""))
            url = str(item.get("url") or "")
            if relative is None or not url.startswith("https://"):
                raise ProviderError(
                    f"refusing artifact {item.get('path')!r} of job {job.id}: its path leaves the "
                    "destination or its address is not https; nothing was downloaded",
                    "the artifact list is damaged or hostile; download it by hand if you trust it",
                )
            folder_name = file_name(job.name, f"job-{job.id}")
            if len(names[folder_name]) > 1:
                folder_name += f"-{job.id}"
            folder = root / folder_name
            if len(nodes[job.id]) > 1:
                folder /= f"node-{int(item.get('node_index') or 0)}"
            plan.append((url, folder / relative))
        written = []
        for url, target in plan:
            target.parent.mkdir(parents=True, exist_ok=True)
            parent = target.parent.resolve()
            if parent != root and root not in parent.parents:
                raise ProviderError(f"refusing to write {target}: a link makes it resolve outside {dest}", "")
            written.append(self.http.download(url, target, max_bytes=limit))
        return written
