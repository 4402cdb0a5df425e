"""GitHub Actions, on github.com and GitHub Enterprise Server, through the REST API (version 2022-11-28).

Endpoints per operation (``R`` = ``/repos/OWNER/NAME``):

- list runs: ``GET R/actions/runs`` or ``GET R/actions/workflows/{workflow}/runs`` (Link pagination)
- trigger: ``POST R/actions/workflows/{workflow}/dispatches`` with ``return_run_details``; a 200 names the
  run, a 204 (older servers) does not, and the run is then found by listing that workflow's
  ``workflow_dispatch`` runs created since the request, for a bounded time
- run and jobs: ``GET R/actions/runs/{id}``, ``GET R/actions/runs/{id}/jobs`` (Link pagination); one
  attempt's jobs: ``GET R/actions/runs/{id}/attempts/{n}/jobs`` (what ``orchestrate report`` reads to learn
  its own job's display name and id)
- logs: ``GET R/actions/jobs/{id}/logs`` and ``GET R/actions/runs/{id}/logs`` answer 302 to a storage
  host (followed without the token); a run's logs are a zip, extracted safely
- re-run: ``POST R/actions/runs/{id}/rerun``, ``.../rerun-failed-jobs``, ``R/actions/jobs/{id}/rerun``
- cancel: ``POST R/actions/runs/{id}/cancel``
- artifacts: ``GET R/actions/runs/{id}/artifacts``, then ``GET R/actions/artifacts/{id}/zip`` (302, a zip)
- commit statuses: ``POST R/statuses/{sha}`` (``_github_statuses``)
- merge: ``PUT R/pulls/{number}/merge`` with the expected head ``sha``, then the branch deleted
  (``_github_merges``)

Issues (``_github_issues``) and repository changes (``_github_changes``: the default branch, a commit
through the git data API, pull requests) live beside it.

A workflow is named by its file (``ci.yml``), its numeric id, or its name as shown in the UI (``CI``),
which is looked up with ``GET R/actions/workflows``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote, urlsplit

from agent.providers import _github_changes, _github_issues, _github_merges, _github_repos, _github_statuses
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

API_VERSION = "2022-11-28"
PUBLIC_API = "https://api.github.com"
PER_PAGE = 100
COMMENT_HINT = "check the repository and the pull request number; the token needs pull-requests: write"
TRIGGER_POLL_INTERVAL = 2.0
TRIGGER_POLL_ATTEMPTS = 10  # about 20 s for a dispatched run to show up before we stop looking
CLOCK_SLACK = timedelta(seconds=2)  # Date has whole seconds; created_at may round the other way

# GitHub's run and job statuses in our vocabulary; anything else unfinished counts as in progress. These two
# tables are the one translation of GitHub's words: the hub's webhooks (hub/webhooks/services/github.py)
# read them through ``state``.
STATUSES: dict[str, RunStatus] = {
    "requested": RunStatus.QUEUED,
    "queued": RunStatus.QUEUED,
    "pending": RunStatus.QUEUED,
    "waiting": RunStatus.QUEUED,
    "in_progress": RunStatus.IN_PROGRESS,
    "completed": RunStatus.COMPLETED,
}
# GitHub's conclusions in ours; an unknown one did not succeed. ``action_required`` (a run from a fork waiting
# for a maintainer's approval, with no jobs) and ``startup_failure`` (a broken workflow file) did not succeed;
# ``stale`` is GitHub closing a run left incomplete for 14 days, which it treats like cancelled.
CONCLUSIONS: dict[str, Conclusion] = {
    "success": Conclusion.SUCCESS,
    "failure": Conclusion.FAILURE,
    "cancelled": Conclusion.CANCELLED,
    "skipped": Conclusion.SKIPPED,
    "timed_out": Conclusion.TIMED_OUT,
    "neutral": Conclusion.NEUTRAL,
    "action_required": Conclusion.FAILURE,
    "startup_failure": Conclusion.FAILURE,
    "stale": Conclusion.CANCELLED,
}

AUTH_HINT = (
    "use a token with Actions: read and write and Contents: read (fine-grained) or the repo and workflow "
    "scopes (classic), in GH_TOKEN or GITHUB_TOKEN for `orchestrate ci`; see docs/providers.md"
)
REPO_PATTERN = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
OWNER_PATTERN = re.compile(r"^[A-Za-z0-9_.-]+$")


def api_url_for(url: str | None) -> str:
    """The REST API base for what a caller gives: nothing or ``https://github.com`` (github.com's API), a
    GHE.com tenant (``https://NAME.ghe.com`` becomes ``https://api.NAME.ghe.com``), or an API URL as is
    (``GITHUB_API_URL``; GitHub Enterprise Server's is ``https://HOST/api/v3``)."""
    if not url:
        return PUBLIC_API
    url = absolute_url(url)
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if host in ("github.com", "www.github.com", "api.github.com"):
        return PUBLIC_API
    if host.endswith(".ghe.com") and not host.startswith("api.") and not parts.path:
        return url.replace(f"://{parts.netloc}", f"://api.{parts.netloc}", 1)
    return url


def web_url_for(api_url: str) -> str:
    """Where people look at the repository: github.com, or the GHES host without ``/api/v3``."""
    if api_url == PUBLIC_API:
        return "https://github.com"
    if api_url.endswith("/api/v3"):
        return api_url[: -len("/api/v3")]
    parts = urlsplit(api_url)
    host = parts.netloc.removeprefix("api.")
    return f"{parts.scheme}://{host}"


def state(status: object, conclusion: object) -> tuple[str, str | None]:
    """Our (status, conclusion) for a run's or a job's ``status`` and ``conclusion``; the conclusion only
    once completed."""
    ours = STATUSES.get(str(status), RunStatus.IN_PROGRESS)
    if ours != RunStatus.COMPLETED or conclusion is None:
        return ours.value, None
    return ours.value, CONCLUSIONS.get(str(conclusion), Conclusion.FAILURE).value


def job_info(data: Mapping[str, Any]) -> JobInfo:
    status, conclusion = state(data.get("status"), data.get("conclusion"))
    return JobInfo(
        id=str(data["id"]),
        name=str(data.get("name") or ""),
        status=status,
        conclusion=conclusion,
        url=str(data.get("html_url") or data.get("url") or ""),
        started_at=parse_time(data.get("started_at")),
        completed_at=parse_time(data.get("completed_at")),
        raw=dict(data),
    )


def run_info(data: Mapping[str, Any], jobs: tuple[JobInfo, ...] = ()) -> RunInfo:
    status, conclusion = state(data.get("status"), data.get("conclusion"))
    workflow = data.get("name") or PurePosixPath(str(data.get("path") or "")).name or data.get("workflow_id")
    return RunInfo(
        id=str(data["id"]),
        status=status,
        conclusion=conclusion,
        url=str(data.get("html_url") or data.get("url") or ""),
        workflow=str(workflow or ""),
        branch=str(data.get("head_branch") or ""),
        commit_sha=str(data.get("head_sha") or ""),
        event=str(data.get("event") or ""),
        attempt=int(data.get("run_attempt") or 1),
        created_at=parse_time(data.get("created_at")),
        updated_at=parse_time(data.get("updated_at")),
        jobs=jobs,
        raw=dict(data),
    )


def artifact_info(data: Mapping[str, Any]) -> ArtifactInfo:
    size = data.get("size_in_bytes")
    return ArtifactInfo(
        id=str(data["id"]),
        name=str(data.get("name") or ""),
        size=int(size) if isinstance(size, int) else None,
        expired=bool(data.get("expired")),
        raw=dict(data),
    )


def _number(value: str, what: str) -> str:
    return numeric_id(
        value,
        f"GitHub {what}",
        "find one with `orchestrate ci list` (runs) or `orchestrate ci status --run ID` (jobs)",
    )


def _artifact_dir(artifact: ArtifactInfo) -> str:
    """A directory name for an artifact: its name when that is one plain path component."""
    name = artifact.name.strip()
    if not name or name in (".", "..") or "/" in name or "\\" in name or "\0" in name:
        return f"artifact-{artifact.id}"
    return name


class GitHubProvider(Provider):
    name = "github"
    default_api_url = PUBLIC_API

    def __init__(self, repo: str, **kwargs: Any) -> None:
        super().__init__(repo, **kwargs)
        self.account = bool(self.config.get(ACCOUNT))
        if self.account and not OWNER_PATTERN.match(self.repo):
            raise ProviderError(f"{self.repo!r} is not a GitHub organisation or user", "pass its login")
        if not self.account and not REPO_PATTERN.match(self.repo):
            raise ProviderError(f"{self.repo!r} is not a GitHub repository", "pass --repo OWNER/NAME")
        self.api_url = api_url_for(self.api_url)
        self.web_url = web_url_for(self.api_url)
        headers = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": API_VERSION}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        not_found = f"check --repo {self.repo} and the id"
        if not self.token:
            not_found += "; a private repository also answers 404 without a token: set GITHUB_TOKEN"
        if self.api_url != PUBLIC_API and not urlsplit(self.api_url).path:
            not_found += "; for GitHub Enterprise Server --api-url is https://HOST/api/v3"
        self.http = ApiClient.for_provider(
            self, "GitHub", headers=headers, auth_hint=AUTH_HINT, not_found_hint=not_found
        )
        owner, _, name = self.repo.partition("/")
        # An account's client (``account_client``) lists repositories only; "-" names no repository.
        self.base = f"/repos/{quote(owner)}/{quote(name)}" if not self.account else "/repos/-"

    # -- repositories and webhooks (_github_repos) --------------------------------------------------------

    def list_repositories(self, owner: str, *, limit: int = MAX_REPOSITORIES) -> list[RepositoryInfo]:
        return _github_repos.list_repositories(self.http, owner, limit)

    def list_webhooks(self) -> list[HookInfo]:
        return _github_repos.list_webhooks(self.http, self.base)

    def create_webhook(self, url: str, secret: str, events: Sequence[str]) -> HookInfo:
        return _github_repos.create_webhook(self.http, self.base, url, secret, events)

    def ping_webhook(self, hook_id: str) -> None:
        _github_repos.ping_webhook(self.http, self.base, hook_id)

    # -- issues (_github_issues) ----------------------------------------------------------------------------

    def list_issues(self, labels: Sequence[str], *, limit: int = MAX_LISTED) -> list[IssueInfo]:
        return _github_issues.list_issues(self.http, self.base, labels, limit)

    def create_issue(self, title: str, body: str, labels: Sequence[str]) -> IssueInfo:
        return _github_issues.create_issue(self.http, self.base, title, body, labels)

    def update_issue(
        self, number: str, *, title: str | None = None, body: str | None = None, state: str | None = None
    ) -> IssueInfo:
        return _github_issues.update_issue(self.http, self.base, number, title=title, body=body, state=state)

    # -- repository changes (_github_changes) -------------------------------------------------------------

    def repository(self) -> RepositoryInfo:
        return _github_changes.repository(self.http, self.base)

    def branch_sha(self, branch: str) -> str | None:
        return _github_changes.branch_sha(self.http, self.base, branch)

    def create_commit(self, *, branch: str, parent: str, message: str, files: Sequence[FileChange]) -> str:
        return _github_changes.create_commit(
            self.http, self.base, branch=branch, parent=parent, message=message, files=files
        )

    def revert_merge(self, *, branch: str, merge_sha: str, message: str) -> str:
        return _github_changes.revert_merge(
            self.http, self.base, branch=branch, merge_sha=merge_sha, message=message
        )

    def open_pull_request(self, *, head: str, base: str, title: str, body: str) -> PullRequestInfo:
        return _github_changes.open_pull_request(
            self.http, self.base, head=head, base_branch=base, title=title, body=body
        )

    def find_pull_requests(self, head: str) -> list[PullRequestInfo]:
        return _github_changes.find_pull_requests(self.http, self.base, self.repo.split("/")[0], head)

    def get_pull_request(self, number: str) -> PullRequestInfo:
        return _github_changes.get_pull_request(self.http, self.base, number)

    def pull_request_files(self, number: str) -> list[ChangedFile]:
        return _github_changes.pull_request_files(self.http, self.base, number, PER_PAGE)

    def pull_request_approvals(self, number: str) -> int:
        return _github_changes.pull_request_approvals(self.http, self.base, number, PER_PAGE)

    # -- commit statuses (_github_statuses) ---------------------------------------------------------------

    def set_commit_status(
        self, sha: str, state: str, *, context: str, description: str = "", target_url: str = ""
    ) -> CommitStatus:
        return _github_statuses.set_commit_status(
            self.http, self.base, sha, state, context=context, description=description, target_url=target_url
        )

    # -- merging pull requests (_github_merges) ---------------------------------------------------------

    def commit_statuses(self, sha: str) -> list[CommitStatus]:
        return _github_statuses.commit_statuses(self.http, self.base, sha, PER_PAGE)

    def merge_pull_request(
        self, number: int, *, sha: str, method: str = "squash", delete_branch: bool = True
    ) -> MergeResult:
        return _github_merges.merge_pull_request(
            self.http, self.base, self.repo, number, sha=sha, method=method, delete_branch=delete_branch
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
        params: dict[str, Any] = {"per_page": max(1, min(limit, PER_PAGE))}
        if branch:
            params["branch"] = branch
        if status:
            params["status"] = status
        path = f"{self.base}/actions/runs"
        if workflow:
            path = f"{self.base}/actions/workflows/{self.workflow_id(workflow)}/runs"
        pages = self.http.link_pages(path, params=params)
        return [run_info(data) for data in collect(pages, lambda body: body["workflow_runs"], limit)]

    def workflow_id(self, workflow: str) -> str:
        """What the API takes for ``{workflow_id}``: a file name or id as given, a name looked up."""
        text = workflow.strip()
        if text.isdigit():
            return text
        if text.endswith((".yml", ".yaml")):
            return quote(PurePosixPath(text).name)
        pages = self.http.link_pages(f"{self.base}/actions/workflows", params={"per_page": PER_PAGE})
        workflows = collect(pages, lambda body: body["workflows"])
        for found in workflows:
            if str(found.get("name", "")).lower() == text.lower():
                return str(found["id"])
        known = ", ".join(
            sorted({f"{w.get('name')} ({PurePosixPath(w.get('path', '')).name})" for w in workflows})
        )
        raise NotFoundError(
            f"{self.repo} has no workflow named {workflow!r}",
            f"use a workflow's file name or name: {known}" if known else "check --repo and --workflow",
        )

    def get_run(self, run_id: str) -> RunInfo:
        data = self._run(run_id)
        return run_info(data, tuple(self.list_jobs(run_id)))

    def _run(self, run_id: str) -> dict[str, Any]:
        return self.http.get_json(
            f"{self.base}/actions/runs/{_number(run_id, 'run')}",
            not_found_hint=f"check --repo {self.repo} and the run id (`orchestrate ci list` lists runs)",
        )

    def list_jobs(self, run_id: str) -> list[JobInfo]:
        path = f"{self.base}/actions/runs/{_number(run_id, 'run')}/jobs"
        pages = self.http.link_pages(path, params={"per_page": PER_PAGE})
        return [job_info(data) for data in collect(pages, lambda body: body["jobs"])]

    def list_attempt_jobs(self, run_id: str, attempt: int, *, limit: int | None = None) -> list[JobInfo]:
        """The jobs of one attempt of a run, at most ``limit`` (no further page is fetched past it)."""
        if isinstance(attempt, bool) or not isinstance(attempt, int) or attempt < 1:
            raise ProviderError(f"a run attempt is a number from 1, not {attempt!r}")
        path = f"{self.base}/actions/runs/{_number(run_id, 'run')}/attempts/{attempt}/jobs"
        per_page = PER_PAGE if limit is None else max(1, min(limit, PER_PAGE))
        pages = self.http.link_pages(path, params={"per_page": per_page})
        return [job_info(data) for data in collect(pages, lambda body: body["jobs"], limit)]

    # -- trigger ---------------------------------------------------------------------------------------

    def trigger(self, *, workflow: str, ref: str, inputs: Mapping[str, str] | None = None) -> Triggered:
        workflow_id = self.workflow_id(workflow)
        path = f"{self.base}/actions/workflows/{workflow_id}/dispatches"
        body: dict[str, Any] = {"ref": ref, "return_run_details": True}
        if inputs:
            body["inputs"] = {str(key): str(value) for key, value in inputs.items()}
        hint = f"check --workflow {workflow!r}: a workflow file in {self.repo} with `on: workflow_dispatch`"
        try:
            response = self.http.request("POST", path, json=body, not_found_hint=hint)
        except ProviderError as error:
            if error.status != 422 or "return_run_details" not in error.message:
                raise
            del body["return_run_details"]  # an older GitHub Enterprise Server: ask the old way
            response = self.http.request("POST", path, json=body, not_found_hint=hint)
        workflow_url = f"{self.web_url}/{self.repo}/actions/workflows/{workflow_id}"
        details = self.http.json_body(response) if response.status_code == 200 else None
        if isinstance(details, dict) and details.get("workflow_run_id"):
            run = self.get_run(str(details["workflow_run_id"]))
            return Triggered(run, run.url, f"started run {run.id} of {workflow} on {ref}")
        since = _server_time(response.headers.get("Date")) or datetime.fromtimestamp(self.http.now(), UTC)
        run = self._find_dispatched(workflow_id, ref, since)
        if run is None:
            return Triggered(
                None,
                workflow_url,
                f"dispatched {workflow} on {ref}; its run has not appeared yet "
                f"(`orchestrate ci list --workflow {workflow}` shows it once it does)",
            )
        return Triggered(run, run.url, f"started run {run.id} of {workflow} on {ref}")

    def _find_dispatched(self, workflow_id: str, ref: str, since: datetime) -> RunInfo | None:
        """The oldest ``workflow_dispatch`` run of the workflow on ``ref`` created since the request."""
        branch = ref.removeprefix("refs/heads/").removeprefix("refs/tags/")
        params = {"event": "workflow_dispatch", "branch": branch, "per_page": 20}
        path = f"{self.base}/actions/workflows/{workflow_id}/runs"
        attempts = int(self.config.get("trigger_poll_attempts", TRIGGER_POLL_ATTEMPTS))
        for attempt in range(attempts):
            if attempt:
                self.sleep(float(self.config.get("trigger_poll_interval", TRIGGER_POLL_INTERVAL)))
            runs = [run_info(data) for data in self.http.get_json(path, params=params)["workflow_runs"]]
            fresh = [
                run for run in runs if run.created_at is not None and run.created_at >= since - CLOCK_SLACK
            ]
            if fresh:
                found = min(fresh, key=lambda run: (run.created_at or datetime.max, int(run.id)))
                return self.get_run(found.id)
        return None

    # -- logs ------------------------------------------------------------------------------------------

    def job_log(self, job_id: str, *, max_bytes: int = 16 << 20) -> str:
        return self.http.read_tail(
            f"{self.base}/actions/jobs/{_number(job_id, 'job')}/logs",
            max_bytes=max_bytes,
            not_found_hint=(
                f"check --repo {self.repo} and the job id; a job that has not finished has no log yet, "
                "and logs expire with the repository's retention (90 days by default)"
            ),
        )

    def run_logs(self, run_id: str, dest: Path) -> list[Path]:
        path = f"{self.base}/actions/runs/{_number(run_id, 'run')}/logs"
        return download_zip(
            self.http, path, dest, max_bytes=self.max_download_bytes, name=f"the logs of run {run_id}"
        )

    # -- control ---------------------------------------------------------------------------------------

    def retry(self, run_id: str, *, failed_only: bool = False, job_id: str | None = None) -> RunInfo | None:
        run = _number(run_id, "run")
        check_retry_choice(failed_only=failed_only, job_id=job_id)
        if job_id is not None:
            path = f"{self.base}/actions/jobs/{_number(job_id, 'job')}/rerun"
        elif failed_only:
            path = f"{self.base}/actions/runs/{run}/rerun-failed-jobs"
        else:
            path = f"{self.base}/actions/runs/{run}/rerun"
        self.http.request("POST", path, not_found_hint=f"check --repo {self.repo} and the run or job id")
        return run_info(self._run(run))

    def find_rerun(self, run_id: str, *, attempt: int, since: datetime) -> RunInfo | None:
        """GitHub numbers a run's attempts: a re-run is the run on a higher ``run_attempt``."""
        run = run_info(self._run(run_id))
        return run if run.attempt > attempt else None

    def cancel(self, run_id: str) -> None:
        self.http.request(
            "POST",
            f"{self.base}/actions/runs/{_number(run_id, 'run')}/cancel",
            not_found_hint=f"check --repo {self.repo} and the run id",
        )

    # -- artifacts -------------------------------------------------------------------------------------

    def list_artifacts(self, run_id: str) -> list[ArtifactInfo]:
        path = f"{self.base}/actions/runs/{_number(run_id, 'run')}/artifacts"
        pages = self.http.link_pages(path, params={"per_page": PER_PAGE})
        return [artifact_info(data) for data in collect(pages, lambda body: body["artifacts"])]

    def download_artifacts(self, run_id: str, dest: Path, *, name: str | None = None) -> list[Path]:
        artifacts = self.list_artifacts(run_id)
        if name is not None:
            chosen = [artifact for artifact in artifacts if artifact.name == name]
            if not chosen:
                names = ", ".join(sorted(artifact.name for artifact in artifacts)) or "none"
                raise NotFoundError(f"run {run_id} has no artifact named {name!r}", f"its artifacts: {names}")
            if all(artifact.expired for artifact in chosen):
                raise ProviderError(
                    f"artifact {name!r} of run {run_id} has expired",
                    "artifacts are kept for the repository's retention period; re-run the workflow",
                )
        else:
            chosen = artifacts
        written: list[Path] = []
        for artifact in chosen:
            if artifact.expired:
                continue
            written += download_zip(
                self.http,
                f"{self.base}/actions/artifacts/{_number(artifact.id, 'artifact')}/zip",
                dest / _artifact_dir(artifact),
                max_bytes=self.max_download_bytes,
                name=f"artifact {artifact.name!r}",
            )
        return written

    # -- pull-request comments -------------------------------------------------------------------------

    def list_comments(self, number: int) -> list[Comment]:
        path = f"{self.base}/issues/{_number(str(number), 'pull request')}/comments"
        pages = self.http.link_pages(path, params={"per_page": PER_PAGE})
        return [comment_info(data) for data in collect(pages, lambda body: body)]

    def create_comment(self, number: int, body: str) -> Comment:
        path = f"{self.base}/issues/{_number(str(number), 'pull request')}/comments"
        response = self.http.request("POST", path, json={"body": body}, not_found_hint=COMMENT_HINT)
        return comment_info(self.http.json_body(response))

    def update_comment(self, number: int, comment_id: str, body: str) -> Comment:
        path = f"{self.base}/issues/comments/{_number(comment_id, 'comment')}"
        response = self.http.request("PATCH", path, json={"body": body}, not_found_hint=COMMENT_HINT)
        return comment_info(self.http.json_body(response))


def comment_info(data: Mapping[str, Any]) -> Comment:
    user = data.get("user") or {}
    return Comment(str(data["id"]), str(data.get("body") or ""), str(user.get("login") or ""),
                   str(data.get("html_url") or ""), dict(data))  # fmt: skip


def _server_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
