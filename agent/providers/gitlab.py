"""GitLab CI, on gitlab.com and self-managed instances, through the REST API v4.

A "run" is a pipeline and its jobs are the pipeline's jobs and bridges (trigger jobs that start a
downstream pipeline). Endpoints per operation (``P`` = ``/projects/{id}``, the project's numeric id or its
URL-encoded path, ``group%2Fsub%2Fname``):

- list runs: ``GET P/pipelines`` (``ref``, ``name``; pages by ``X-Next-Page``)
- trigger: ``POST P/pipeline`` with ``{ref, variables}``; with a ``CI_JOB_TOKEN``,
  ``POST P/trigger/pipeline`` with ``token``, ``ref`` and ``variables[KEY]`` (the one way a job token may
  start a pipeline)
- run and jobs: ``GET P/pipelines/{id}``, ``GET P/pipelines/{id}/jobs`` and ``.../bridges``
- logs: ``GET P/jobs/{id}/trace`` (plain text); a run's logs are every started job's trace
- re-run: ``POST P/pipelines/{id}/retry`` (its failed and cancelled jobs), ``POST P/jobs/{id}/retry`` (one
  job, which gets a new id). GitLab cannot run every job of a pipeline again: a whole re-run is a *new*
  pipeline on the same ref with the same variables (``GET P/pipelines/{id}/variables``), on the ref's
  current commit
- cancel: ``POST P/pipelines/{id}/cancel``
- artifacts: a job's artifacts are one zip, ``GET P/jobs/{id}/artifacts`` (possibly redirected to object
  storage, followed without the token), extracted safely
- commit statuses: ``POST P/statuses/{sha}``, ``GET P/repository/commits/{sha}/statuses``
  (``_gitlab_statuses``)
- merge: ``PUT P/merge_requests/{iid}/merge`` with the expected head ``sha``, auto-merge when a pipeline
  still runs (``_gitlab_merges``); a merge request's changed files and approvals (``_gitlab_changes``)

Issues (``_gitlab_issues``) and repository changes (``_gitlab_changes``: the default branch, a commit
through the commits API, merge requests) live beside it.

GitLab has no workflows. A pipeline's ``name`` (``workflow: name:`` in ``.gitlab-ci.yml``) stands for one:
``list_runs(workflow=...)`` filters on it. ``trigger`` starts the project's pipeline whatever the workflow
given, unless ``config["workflow_variable"]`` names a CI/CD variable to carry it (for ``rules:`` to select
jobs on).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from agent.providers import _gitlab_changes, _gitlab_issues, _gitlab_merges, _gitlab_repos, _gitlab_statuses
from agent.providers.base import (
    ArtifactInfo,
    Comment,
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
    numeric_id,
    parse_time,
)
from agent.providers.changes import ChangedFile, FileChange, PullRequestInfo
from agent.providers.extract import download_zip
from agent.providers.http import ApiClient, collect
from agent.providers.issues import MAX_LISTED, IssueInfo
from agent.providers.merges import MergeResult
from agent.providers.repositories import ACCOUNT, MAX_REPOSITORIES, HookInfo, RepositoryInfo
from agent.providers.statuses import CommitStatus

PUBLIC_API = "https://gitlab.com/api/v4"
PER_PAGE = 100
NOTE_HINT = "check the project and the merge request iid; the token needs the api scope"

# GitLab's pipeline and job statuses in our vocabulary: (status, conclusion when completed); an unknown one
# is taken to be still running. The one translation of GitLab's words: the hub's webhooks
# (hub/webhooks/services/gitlab.py) read it through ``state`` and ``job_state``.
# ``manual`` waits for a person to start a job and ``scheduled`` for a timer; a ``manual`` pipeline goes
# no further by itself, so it counts as finished (neutral) and ``wait`` ends, while ``scheduled`` runs on.
# ``waiting_for_callback``: a job that handed its work to an outside service and waits for its answer.
STATUSES: dict[str, tuple[RunStatus, Conclusion | None]] = {
    "created": (RunStatus.QUEUED, None),
    "waiting_for_resource": (RunStatus.QUEUED, None),
    "preparing": (RunStatus.QUEUED, None),
    "pending": (RunStatus.QUEUED, None),
    "scheduled": (RunStatus.QUEUED, None),
    "running": (RunStatus.IN_PROGRESS, None),
    "waiting_for_callback": (RunStatus.IN_PROGRESS, None),
    "canceling": (RunStatus.IN_PROGRESS, None),
    "success": (RunStatus.COMPLETED, Conclusion.SUCCESS),
    "failed": (RunStatus.COMPLETED, Conclusion.FAILURE),
    "canceled": (RunStatus.COMPLETED, Conclusion.CANCELLED),
    "skipped": (RunStatus.COMPLETED, Conclusion.SKIPPED),
    "manual": (RunStatus.COMPLETED, Conclusion.NEUTRAL),
}
# A failed job whose failure_reason says it ran out of time timed out.
TIMEOUT_REASONS = frozenset({"job_execution_timeout", "stuck_or_timeout_failure"})

AUTH_HINT = (
    "use a personal, group or project access token with the api scope (read_api is enough for list, "
    "status, wait, logs and artifacts) and at least the Developer role, in GITLAB_TOKEN for "
    "`orchestrate ci`; see docs/providers.md"
)
JOB_TOKEN_HINT = (
    "the token is a CI_JOB_TOKEN, which GitLab allows only a few API calls (triggering a pipeline, "  # noqa: S105
    "fetching a known job's artifacts), not listing pipelines or jobs, reading logs, retrying or "
    "cancelling: set GITLAB_TOKEN to an access token with the api scope"
)
TOKEN_TYPES = ("private", "job", "oauth")


def api_url_for(url: str | None) -> str:
    """The REST API base for what a caller gives: nothing (gitlab.com), an instance's address
    (``https://gitlab.example.com`` becomes ``https://gitlab.example.com/api/v4``), or an API URL as is
    (``CI_API_V4_URL``)."""
    if not url:
        return PUBLIC_API
    url = absolute_url(url)
    if url.endswith("/api/v4"):
        return url
    if not urlsplit(url).path:
        return url + "/api/v4"
    return url


def project_id(repo: str) -> str:
    """How the API names a project: its numeric id, or its full path URL-encoded (slashes included)."""
    text = repo.strip().strip("/")
    if text.isdigit():
        return text
    return quote(text, safe="")


def state(value: object) -> tuple[str, str | None]:
    """Our (status, conclusion) for a GitLab status; an unknown one is taken to be still running."""
    status, conclusion = STATUSES.get(str(value), (RunStatus.IN_PROGRESS, None))
    return status.value, conclusion.value if conclusion is not None else None


def job_state(
    value: object, *, allow_failure: bool = False, failure_reason: object = None
) -> tuple[str, str | None]:
    """Our (status, conclusion) for a job: as ``state``, and a failed job is neutral when it was allowed to
    fail (GitLab shows a warning and the pipeline goes on), timed out when its failure reason says so."""
    status, conclusion = state(value)
    if conclusion == Conclusion.FAILURE:
        if allow_failure:
            conclusion = Conclusion.NEUTRAL.value
        elif failure_reason in TIMEOUT_REASONS:
            conclusion = Conclusion.TIMED_OUT.value
    return status, conclusion


def job_info(data: Mapping[str, Any]) -> JobInfo:
    """A job or a bridge (whose link is its downstream pipeline when it has one)."""
    status, conclusion = job_state(
        data.get("status"),
        allow_failure=bool(data.get("allow_failure")),
        failure_reason=data.get("failure_reason"),
    )
    downstream = data.get("downstream_pipeline") or {}
    return JobInfo(
        id=str(data["id"]),
        name=str(data.get("name") or ""),
        status=status,
        conclusion=conclusion,
        url=str(data.get("web_url") or downstream.get("web_url") or ""),
        started_at=parse_time(data.get("started_at")),
        completed_at=parse_time(data.get("finished_at")),
        raw=dict(data),
    )


def run_info(data: Mapping[str, Any], jobs: tuple[JobInfo, ...] = ()) -> RunInfo:
    status, conclusion = state(data.get("status"))
    return RunInfo(
        id=str(data["id"]),
        status=status,
        conclusion=conclusion,
        url=str(data.get("web_url") or ""),
        workflow=str(data.get("name") or ""),
        branch=str(data.get("ref") or ""),
        commit_sha=str(data.get("sha") or ""),
        event=str(data.get("source") or ""),
        attempt=1,  # GitLab re-runs jobs as new jobs; a pipeline has no attempts
        created_at=parse_time(data.get("created_at")),
        updated_at=parse_time(data.get("updated_at")),
        jobs=jobs,
        raw=dict(data),
    )


def artifact_info(job: Mapping[str, Any], now: datetime) -> ArtifactInfo | None:
    """A job's artifacts archive, or None when the job kept none (its trace and reports are not one)."""
    archive = job.get("artifacts_file") or next(
        (item for item in job.get("artifacts") or () if item.get("file_type") == "archive"), None
    )
    if not archive:
        return None
    size = archive.get("size")
    expires = parse_time(job.get("artifacts_expire_at"))
    return ArtifactInfo(
        id=str(job["id"]),
        name=str(job.get("name") or ""),
        size=size if isinstance(size, int) else None,
        expired=expires is not None and expires <= now,
        raw=dict(job),
    )


def _number(value: str, what: str) -> str:
    return numeric_id(
        value,
        f"GitLab {what}",
        "find one with `orchestrate ci list` (pipelines) or `orchestrate ci status --run ID` (jobs)",
    )


class GitLabProvider(Provider):
    name = "gitlab"
    default_api_url = PUBLIC_API

    def __init__(self, repo: str, **kwargs: Any) -> None:
        super().__init__(repo, **kwargs)
        self.api_url = api_url_for(self.api_url)
        self.token_type = str(self.config.get("token_type") or "private")
        if self.token_type not in TOKEN_TYPES:
            raise ProviderError(
                f"unknown GitLab token_type {self.token_type!r}", f"use one of: {', '.join(TOKEN_TYPES)}"
            )
        headers: dict[str, str] = {}
        if self.token:
            header = {"private": "PRIVATE-TOKEN", "job": "JOB-TOKEN", "oauth": "Authorization"}
            value = f"Bearer {self.token}" if self.token_type == "oauth" else self.token  # noqa: S105
            headers[header[self.token_type]] = value
        auth_hint = JOB_TOKEN_HINT if self.job_token else AUTH_HINT
        not_found = f"check --repo {self.repo} (the project's full path, group/sub/name) and the id"
        if not self.token:
            not_found += "; a private project also answers 404 without a token: set GITLAB_TOKEN"
        elif self.job_token:
            not_found += f"; {JOB_TOKEN_HINT}"
        if not urlsplit(self.api_url).path:
            not_found += "; for a self-managed GitLab --api-url is https://HOST/api/v4"
        self.http = ApiClient.for_provider(
            self, "GitLab", headers=headers, auth_hint=auth_hint, not_found_hint=not_found
        )
        # An account's client (``account_client``) lists a group's projects only; "-" names no project.
        self.account = bool(self.config.get(ACCOUNT))
        self.base = f"/projects/{project_id(self.repo)}" if not self.account else "/projects/-"
        # Bridges seen by list_jobs (id -> downstream pipeline): they have no trace of their own.
        self.bridges: dict[str, str] = {}

    # -- repositories and webhooks (_gitlab_repos) --------------------------------------------------------

    def list_repositories(self, owner: str, *, limit: int = MAX_REPOSITORIES) -> list[RepositoryInfo]:
        return _gitlab_repos.list_repositories(self.http, owner, limit)

    def list_webhooks(self) -> list[HookInfo]:
        return _gitlab_repos.list_webhooks(self.http, self.base)

    def create_webhook(self, url: str, secret: str, events: Sequence[str]) -> HookInfo:
        return _gitlab_repos.create_webhook(self.http, self.base, url, secret, events)

    def ping_webhook(self, hook_id: str) -> None:
        _gitlab_repos.ping_webhook(self.http, self.base, hook_id)

    @property
    def job_token(self) -> bool:
        return self.token_type == "job"  # noqa: S105 (a kind of token, not one)

    # -- issues (_gitlab_issues) ----------------------------------------------------------------------------

    def list_issues(self, labels: Sequence[str], *, limit: int = MAX_LISTED) -> list[IssueInfo]:
        return _gitlab_issues.list_issues(self.http, self.base, labels, limit)

    def create_issue(self, title: str, body: str, labels: Sequence[str]) -> IssueInfo:
        return _gitlab_issues.create_issue(self.http, self.base, title, body, labels)

    def update_issue(
        self, number: str, *, title: str | None = None, body: str | None = None, state: str | None = None
    ) -> IssueInfo:
        return _gitlab_issues.update_issue(self.http, self.base, number, title=title, body=body, state=state)

    # -- repository changes (_gitlab_changes) -------------------------------------------------------------

    def repository(self) -> RepositoryInfo:
        return _gitlab_changes.repository(self.http, self.base)

    def branch_sha(self, branch: str) -> str | None:
        return _gitlab_changes.branch_sha(self.http, self.base, branch)

    def create_commit(self, *, branch: str, parent: str, message: str, files: Sequence[FileChange]) -> str:
        return _gitlab_changes.create_commit(
            self.http, self.base, branch=branch, parent=parent, message=message, files=files
        )

    def revert_merge(self, *, branch: str, merge_sha: str, message: str) -> str:
        """GitLab's revert API writes its own message ("Revert ..."); ``message`` goes in the merge
        request that follows."""
        return _gitlab_changes.revert_merge(self.http, self.base, branch=branch, merge_sha=merge_sha)

    def open_pull_request(self, *, head: str, base: str, title: str, body: str) -> PullRequestInfo:
        return _gitlab_changes.open_pull_request(
            self.http, self.base, head=head, base_branch=base, title=title, body=body
        )

    def find_pull_requests(self, head: str) -> list[PullRequestInfo]:
        return _gitlab_changes.find_pull_requests(self.http, self.base, head)

    def get_pull_request(self, number: str) -> PullRequestInfo:
        return _gitlab_changes.get_pull_request(self.http, self.base, number)

    def pull_request_files(self, number: str) -> list[ChangedFile]:
        return _gitlab_changes.pull_request_files(self.http, self.base, number, PER_PAGE)

    def pull_request_approvals(self, number: str) -> int:
        return _gitlab_changes.pull_request_approvals(self.http, self.base, number)

    # -- commit statuses (_gitlab_statuses) ---------------------------------------------------------------

    def set_commit_status(
        self, sha: str, state: str, *, context: str, description: str = "", target_url: str = ""
    ) -> CommitStatus:
        return _gitlab_statuses.set_commit_status(
            self.http, self.base, sha, state, context=context, description=description, target_url=target_url
        )

    def commit_statuses(self, sha: str) -> list[CommitStatus]:
        return _gitlab_statuses.commit_statuses(self.http, self.base, sha, PER_PAGE)

    # -- merging pull requests (_gitlab_merges) ---------------------------------------------------------

    def merge_pull_request(
        self, number: int, *, sha: str, method: str = "squash", delete_branch: bool = True
    ) -> MergeResult:
        return _gitlab_merges.merge_pull_request(
            self.http, self.base, number, sha=sha, method=method, delete_branch=delete_branch
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
        params: dict[str, Any] = {"order_by": "id", "sort": "desc"}
        if branch:
            params["ref"] = branch
        if workflow:
            params["name"] = workflow  # the pipeline's name (workflow: name:)
        # Our status is several of GitLab's, and its filter takes one: filter here, read lazily.
        per_page = PER_PAGE if status else max(1, min(limit, PER_PAGE))
        pages = self.http.numbered_pages(
            f"{self.base}/pipelines", items=lambda body: body, params=params, per_page=per_page
        )
        found = collect(
            pages,
            lambda body: [data for data in body if status is None or state(data.get("status"))[0] == status],
            limit,
        )
        return [run_info(data) for data in found]

    def get_run(self, run_id: str) -> RunInfo:
        return run_info(self._pipeline(run_id), tuple(self.list_jobs(run_id)))

    def _pipeline(self, run_id: str) -> dict[str, Any]:
        return self.http.get_json(
            f"{self.base}/pipelines/{_number(run_id, 'pipeline')}",
            not_found_hint=f"check --repo {self.repo} and the pipeline id (`orchestrate ci list` lists them)",
        )

    def list_jobs(self, run_id: str) -> list[JobInfo]:
        """The pipeline's jobs (latest attempt of each) and its bridges, oldest first."""
        pipeline = _number(run_id, "pipeline")
        found = []
        for kind in ("jobs", "bridges"):
            pages = self.http.numbered_pages(
                f"{self.base}/pipelines/{pipeline}/{kind}", items=lambda body: body, per_page=PER_PAGE
            )
            found += collect(pages, lambda body: body)
        jobs = [job_info(data) for data in sorted(found, key=lambda data: int(data["id"]))]
        for job in jobs:
            if "downstream_pipeline" in job.raw:
                self.bridges[job.id] = str((job.raw["downstream_pipeline"] or {}).get("web_url") or "")
        return jobs

    # -- trigger ---------------------------------------------------------------------------------------

    def trigger(self, *, workflow: str, ref: str, inputs: Mapping[str, str] | None = None) -> Triggered:
        ref = ref.removeprefix("refs/heads/").removeprefix("refs/tags/")
        variables = {str(key): str(value) for key, value in (inputs or {}).items()}
        carrier = self.config.get("workflow_variable")
        if carrier and workflow:
            variables.setdefault(str(carrier), workflow)
        data = self._create_pipeline(ref, variables)
        run = run_info(data)
        if carrier and workflow:
            about = f"{workflow} passed as {carrier}"
        elif workflow:
            about = f"GitLab has no workflows: the project's pipeline runs, {workflow!r} is not sent"
        else:
            about = "the project's pipeline"
        return Triggered(run, run.url, f"started pipeline {run.id} on {ref} ({about})")

    def _create_pipeline(self, ref: str, variables: Mapping[str, str]) -> dict[str, Any]:
        hint = f"check --repo {self.repo} and that {ref!r} is a branch or tag of it"
        if self.job_token:
            form = {"token": self.token, "ref": ref}
            form.update({f"variables[{key}]": value for key, value in variables.items()})
            response = self.http.request(
                "POST", f"{self.base}/trigger/pipeline", data=form, not_found_hint=hint
            )
        else:
            body = {"ref": ref, "variables": [{"key": k, "value": v} for k, v in variables.items()]}
            response = self.http.request("POST", f"{self.base}/pipeline", json=body, not_found_hint=hint)
        return self.http.json_body(response)

    # -- logs ------------------------------------------------------------------------------------------

    def job_log(self, job_id: str, *, max_bytes: int = 16 << 20) -> str:
        """A job's trace; for a bridge met in ``list_jobs``, a line pointing at its downstream pipeline
        (GitLab keeps no trace for a bridge, and asking answers 404)."""
        if job_id in self.bridges:
            downstream = self.bridges[job_id] or "not started yet"
            return f"(a trigger job: its logs are those of the downstream pipeline, {downstream})\n"
        return self.http.read_tail(
            f"{self.base}/jobs/{_number(job_id, 'job')}/trace",
            max_bytes=max_bytes,
            not_found_hint=(
                f"check --repo {self.repo} and the job id (`orchestrate ci status --run ID` lists them); "
                "a bridge (trigger job) has no log, and expired logs are erased"
            ),
        )

    def run_logs(self, run_id: str, dest: Path) -> list[Path]:
        """Each started job's trace as ``DEST/{id}-{name}.log`` (its tail, when very long); a bridge, or a job
        that never ran, has none."""
        jobs = [job for job in self.list_jobs(run_id) if job.raw.get("started_at") is not None]
        return self.write_logs([job for job in jobs if job.id not in self.bridges], dest)

    # -- control ---------------------------------------------------------------------------------------

    def retry(self, run_id: str, *, failed_only: bool = False, job_id: str | None = None) -> RunInfo | None:
        pipeline = _number(run_id, "pipeline")
        check_retry_choice(failed_only=failed_only, job_id=job_id)
        hint = f"check --repo {self.repo} and the pipeline or job id"
        if job_id is not None:
            self.http.request("POST", f"{self.base}/jobs/{_number(job_id, 'job')}/retry", not_found_hint=hint)
            return run_info(self._pipeline(pipeline))
        if failed_only:
            response = self.http.request(
                "POST", f"{self.base}/pipelines/{pipeline}/retry", not_found_hint=hint
            )
            return run_info(self.http.json_body(response))
        # Every job again: GitLab can only start a new pipeline, on the same ref with the same variables.
        original = self._pipeline(pipeline)
        variables = self.http.get_json(f"{self.base}/pipelines/{pipeline}/variables") or []
        values = {str(item["key"]): str(item.get("value", "")) for item in variables if "key" in item}
        return run_info(self._create_pipeline(str(original.get("ref") or ""), values))

    def find_rerun(self, run_id: str, *, attempt: int, since: datetime) -> RunInfo | None:
        """GitLab retries a pipeline's failed jobs in the pipeline, as new jobs: a finished pipeline that
        runs again, or has a job created at ``since`` or later (the retried jobs, finished already), was
        retried. GitLab's clock and the caller's are compared, so they must agree (NTP)."""
        run = run_info(self._pipeline(run_id))
        if not run.completed:
            return run
        jobs = tuple(self.list_jobs(run_id))
        created = (parse_time(job.raw.get("created_at")) for job in jobs)
        if any(when is not None and when >= since for when in created):
            return dataclasses.replace(run, jobs=jobs)
        return None

    def cancel(self, run_id: str) -> None:
        self.http.request(
            "POST",
            f"{self.base}/pipelines/{_number(run_id, 'pipeline')}/cancel",
            not_found_hint=f"check --repo {self.repo} and the pipeline id",
        )

    # -- artifacts -------------------------------------------------------------------------------------

    def list_artifacts(self, run_id: str) -> list[ArtifactInfo]:
        """One artifact per job that kept an archive, named after the job."""
        now = datetime.now(UTC)
        found = (artifact_info(job.raw, now) for job in self.list_jobs(run_id))
        return [artifact for artifact in found if artifact is not None]

    def download_artifacts(self, run_id: str, dest: Path, *, name: str | None = None) -> list[Path]:
        artifacts = self.list_artifacts(run_id)
        if name is not None:
            chosen = [artifact for artifact in artifacts if artifact.name == name]
            if not chosen:
                names = ", ".join(sorted({artifact.name for artifact in artifacts})) or "none"
                raise NotFoundError(
                    f"no job of pipeline {run_id} named {name!r} kept artifacts",
                    f"jobs with artifacts: {names}",
                )
            if all(artifact.expired for artifact in chosen):
                raise ProviderError(
                    f"the artifacts of job {name!r} in pipeline {run_id} have expired",
                    "GitLab erases them after artifacts: expire_in: (.gitlab-ci.yml); re-run the job",
                )
        else:
            chosen = artifacts
        written: list[Path] = []
        for artifact, directory in zip(chosen, _directories(chosen), strict=True):
            if artifact.expired:
                continue
            written += download_zip(
                self.http,
                f"{self.base}/jobs/{_number(artifact.id, 'job')}/artifacts",
                dest / directory,
                max_bytes=self.max_download_bytes,
                name=f"the artifacts of job {artifact.name!r}",
            )
        return written

    # -- merge-request notes (the pull-request comments of GitLab) -------------------------------------

    def list_comments(self, number: int) -> list[Comment]:
        path = f"{self._merge_request(number)}/notes"
        params = {"sort": "asc", "order_by": "created_at"}
        pages = self.http.numbered_pages(path, items=lambda body: body, params=params, per_page=PER_PAGE)
        notes = collect(pages, lambda body: [data for data in body if not data.get("system")])
        return [self._note(number, data) for data in notes]

    def create_comment(self, number: int, body: str) -> Comment:
        path = f"{self._merge_request(number)}/notes"
        response = self.http.request("POST", path, json={"body": body}, not_found_hint=NOTE_HINT)
        return self._note(number, self.http.json_body(response))

    def update_comment(self, number: int, comment_id: str, body: str) -> Comment:
        path = f"{self._merge_request(number)}/notes/{_number(comment_id, 'note')}"
        response = self.http.request("PUT", path, json={"body": body}, not_found_hint=NOTE_HINT)
        return self._note(number, self.http.json_body(response))

    def _merge_request(self, number: int) -> str:
        return f"{self.base}/merge_requests/{_number(str(number), 'merge request')}"

    def _note(self, number: int, data: Mapping[str, Any]) -> Comment:
        web = self.api_url.removesuffix("/api/v4")
        url = f"{web}/{self.repo}/-/merge_requests/{number}#note_{data['id']}"
        author = (data.get("author") or {}).get("username") or ""
        return Comment(str(data["id"]), str(data.get("body") or ""), str(author), url, dict(data))


def _directories(artifacts: list[ArtifactInfo]) -> Iterator[str]:
    """A directory per artifact: the job's name, with its id added when two jobs share a name."""
    names = [file_name(artifact.name, f"job-{artifact.id}") for artifact in artifacts]
    for artifact, name in zip(artifacts, names, strict=True):
        yield name if names.count(name) == 1 else f"{name}-{artifact.id}"
