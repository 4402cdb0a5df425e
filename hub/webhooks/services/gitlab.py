"""GitLab events in the hub's terms: Pipeline Hook and Job Hook move runs and jobs; Merge Request Hook
notes a merge request on the runs of its last commit; Push Hook fills a branch.

A run is the pipeline, identified as the agent identifies it (``agent/ci/gitlab.py``): ``CI_PIPELINE_ID``
is ``object_attributes.id`` (Pipeline Hook) or ``pipeline_id`` (Job Hook); GitLab has no attempts, so
the attempt is 1. Jobs are named by ``CI_JOB_NAME`` on both sides.

Statuses are translated by the GitLab client's table (``agent.providers.gitlab.STATUSES`` through
``job_state``), the one translation the CLI, the reconcile task and these webhooks share; ``held`` says
where the hub must differ.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from agent.providers.gitlab import job_state
from hub.projects.models import Project, Provider
from hub.response.services import dismissals, fixer_links
from hub.runs.models import RunStatus
from hub.webhooks.models import Delivery
from hub.webhooks.services.outcome import Outcome
from hub.webhooks.services.record import note_pull_request, parse_time, positive_int, record, text

EVENTS = frozenset({"Pipeline Hook", "Job Hook", "Merge Request Hook", "Push Hook", "Issue Hook"})
ISSUE_STATES = {"close": "closed", "reopen": "open"}  # Issue Hook actions that change an issue's state

# Statuses after which the same pipeline or job can still start, so the hub keeps it queued. ``manual`` (a
# job, or a pipeline held by one, waiting for a person to start it) ends the CLI's ``wait`` as finished and
# neutral; but the hub's state only moves forward and a conclusion sticks, and the job can still start.
STILL_STARTS = frozenset({"manual"})


def project_name(payload: dict[str, Any]) -> str | None:
    """The project's path (``group/sub/name``): from ``project``, else from the repository's URL."""
    project = payload.get("project") if isinstance(payload.get("project"), dict) else {}
    path = project.get("path_with_namespace")
    if isinstance(path, str) and path:
        return path
    repository = payload.get("repository") if isinstance(payload.get("repository"), dict) else {}
    for url in (project.get("web_url"), repository.get("homepage")):
        if isinstance(url, str) and url:
            path = urlsplit(url).path.strip("/")
            if "/" in path:
                return path
    return None


def process(delivery: Delivery, payload: dict[str, Any]) -> Outcome:
    handler = HANDLERS.get(delivery.event)
    if handler is None:
        return Outcome.ignored(f"GitLab event {delivery.event!r} is not used by the hub")
    if delivery.project is None:
        return Outcome.ignored("the GitLab project is not a project of this hub")
    return handler(delivery.project, payload)


def _provider(project: Project) -> str:
    return project.provider if project.provider == Provider.GITLAB_SELF_MANAGED else Provider.GITLAB


def held(data: Mapping[str, Any]) -> bool:
    """Whether the hub keeps this pipeline or job queued though the client calls it finished
    (``STILL_STARTS``); the reconcile task asks too, about what the client read."""
    return str(data.get("status")) in STILL_STARTS


def _state(value: Any, allow_failure: bool = False, failure_reason: Any = None) -> dict[str, Any]:
    """The status and conclusion fields for a pipeline's or a job's status (nothing when it has none)."""
    if not isinstance(value, str) or not value:
        return {"status": None, "conclusion": None}
    if held({"status": value}):
        return {"status": RunStatus.QUEUED, "conclusion": None}
    status, conclusion = job_state(value, allow_failure=allow_failure, failure_reason=failure_reason)
    return {"status": status, "conclusion": conclusion}


def _web_url(payload: dict[str, Any]) -> str:
    project = payload.get("project") if isinstance(payload.get("project"), dict) else {}
    repository = payload.get("repository") if isinstance(payload.get("repository"), dict) else {}
    url = project.get("web_url") or repository.get("homepage") or ""
    return url.rstrip("/") if isinstance(url, str) else ""


def _pipeline(project: Project, payload: dict[str, Any]) -> Outcome:
    attributes = payload.get("object_attributes") or {}
    pipeline_id = positive_int(attributes.get("id"))
    if pipeline_id is None:
        return Outcome.failed("object_attributes.id (the pipeline id) is missing")
    mr = payload.get("merge_request") if isinstance(payload.get("merge_request"), dict) else {}
    web = _web_url(payload)
    branch = mr.get("source_branch") or ("" if attributes.get("tag") else attributes.get("ref"))
    jobs = []
    for build in payload.get("builds") or []:
        if not isinstance(build, dict) or not text(build.get("name"), 1000):
            continue
        build_id = text(build.get("id"), 200)
        jobs.append(
            {
                "name": text(build.get("name"), 1000),
                "provider_job_id": build_id,
                "url": f"{web}/-/jobs/{build_id}" if web and build_id else "",
                **_state(build.get("status"), bool(build.get("allow_failure")), build.get("failure_reason")),
                "started_at": parse_time(build.get("started_at")),
                "finished_at": parse_time(build.get("finished_at")),
            }
        )
    run, written = record(
        project,
        {
            "provider": _provider(project),
            "provider_run_id": str(pipeline_id),
            "attempt": 1,
            "run_number": text(attributes.get("iid"), 100),
            "workflow": text(attributes.get("name"), 1000),
            "event": text(attributes.get("source"), 100),
            "branch": text(branch, 500),
            "base_branch": text(mr.get("target_branch"), 500),
            "commit_sha": text(attributes.get("sha"), 64).lower(),
            "pull_request": positive_int(mr.get("iid")),
            "url": text(attributes.get("url"), 2000) or (f"{web}/-/pipelines/{pipeline_id}" if web else ""),
            **_state(attributes.get("status")),
            "started_at": parse_time(attributes.get("created_at")),
            "finished_at": parse_time(attributes.get("finished_at")),
        },
        jobs,
    )
    return Outcome.processed(f"run {run.pk} is {run.status} with {len(written)} job(s)")


def _job(project: Project, payload: dict[str, Any]) -> Outcome:
    pipeline_id = positive_int(payload.get("pipeline_id"))
    # Job Hook payloads say build_*; a few producers say job_*.
    name = text(payload.get("build_name") or payload.get("job_name"), 1000)
    if pipeline_id is None or not name:
        return Outcome.failed("pipeline_id or build_name is missing")
    job_id = text(payload.get("build_id") or payload.get("job_id"), 200)
    state = _state(
        payload.get("build_status") or payload.get("job_status"),
        bool(payload.get("build_allow_failure") or payload.get("job_allow_failure")),
        payload.get("build_failure_reason") or payload.get("job_failure_reason"),
    )
    web = _web_url(payload)
    run_status = RunStatus.IN_PROGRESS if state["status"] == RunStatus.COMPLETED else state["status"]
    run, jobs = record(
        project,
        {
            "provider": _provider(project),
            "provider_run_id": str(pipeline_id),
            "attempt": 1,
            "branch": "" if payload.get("tag") else text(payload.get("ref"), 500),
            "commit_sha": text(payload.get("sha"), 64).lower(),
            "status": run_status,
        },
        [
            {
                "name": name,
                "provider_job_id": job_id,
                "url": f"{web}/-/jobs/{job_id}" if web and job_id else "",
                **state,
                "started_at": parse_time(payload.get("build_started_at")),
                "finished_at": parse_time(payload.get("build_finished_at")),
            }
        ],
    )
    return Outcome.processed(f"job {jobs[0].pk} of run {run.pk} is {jobs[0].status}")


def _merge_request(project: Project, payload: dict[str, Any]) -> Outcome:
    attributes = payload.get("object_attributes") or {}
    last_commit = attributes.get("last_commit") if isinstance(attributes.get("last_commit"), dict) else {}
    changed = note_pull_request(
        project,
        text(last_commit.get("id"), 64),
        positive_int(attributes.get("iid")),
        base_branch=text(attributes.get("target_branch"), 500),
        branch=text(attributes.get("source_branch"), 500),
    )
    fix = fixer_links.link(
        project,
        head=text(attributes.get("source_branch"), 500),
        number=positive_int(attributes.get("iid")),
        url=text(attributes.get("url"), 2000),
        message=text(last_commit.get("message"), 10000),
        head_sha=text(last_commit.get("id"), 64),
        from_fork=attributes.get("source_project_id") != attributes.get("target_project_id"),
    )
    linked = f"; linked to fix job {fix.pk}" if fix is not None else ""
    return Outcome.processed(f"merge request noted on {changed} run field(s){linked}")


def _push(project: Project, payload: dict[str, Any]) -> Outcome:
    ref = text(payload.get("ref"), 1000)
    if not ref.startswith("refs/heads/"):
        return Outcome.processed("not a branch update: nothing to note")
    sha = text(payload.get("checkout_sha") or payload.get("after"), 64)
    changed = note_pull_request(project, sha, None, branch=ref[len("refs/heads/") :])
    return Outcome.processed(f"branch noted on {changed} run field(s)")


def _issue(project: Project, payload: dict[str, Any]) -> Outcome:
    """An issue closed or reopened: if the hub filed it, the hub learns whether a person dismissed it."""
    attributes = (
        payload.get("object_attributes") if isinstance(payload.get("object_attributes"), dict) else {}
    )
    state = ISSUE_STATES.get(str(attributes.get("action")))
    number = positive_int(attributes.get("iid"))
    if state is None:
        return Outcome.ignored(
            f"Issue Hook action {attributes.get('action')!r} does not change an issue's state"
        )
    if number is None:
        return Outcome.failed("object_attributes.iid is missing")
    user = payload.get("user") if isinstance(payload.get("user"), dict) else {}
    return Outcome.processed(
        dismissals.issue_event(project, str(number), state, by=text(user.get("username"), 150))
    )


HANDLERS = {
    "Pipeline Hook": _pipeline,
    "Job Hook": _job,
    "Merge Request Hook": _merge_request,
    "Push Hook": _push,
    "Issue Hook": _issue,
}
