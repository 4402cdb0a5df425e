"""GitHub events in the hub's terms: workflow_run and workflow_job move runs and jobs; check_suite and
pull_request note a pull request on the runs of its head commit; push fills a branch; ping is answered.

A run is identified as the agent identifies it (``agent/ci/github.py``): ``GITHUB_RUN_ID`` is
``workflow_run.id`` / ``workflow_job.run_id`` and the attempt is ``run_attempt``. GitHub's job *name* is
the display name (``build (ubuntu, 3.11)``) where the agent knows only the YAML key (``GITHUB_JOB``);
the two agree for jobs without ``name:`` or a matrix.

Statuses and conclusions are translated by the GitHub client's tables (``agent.providers.github.state``),
the one translation the CLI, the reconcile task and these webhooks share; ``state`` below says where the hub
must differ (``held``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from agent.providers._github_changes import pull_request_info
from agent.providers.github import state as github_state
from hub.projects.models import Project, Provider
from hub.response.services import dismissals, fixer_links
from hub.runs.models import RunStatus
from hub.webhooks.models import Delivery
from hub.webhooks.services.outcome import Outcome
from hub.webhooks.services.record import note_pull_request, parse_time, positive_int, record, text

EVENTS = frozenset({"workflow_run", "workflow_job", "check_suite", "pull_request", "push", "ping", "issues"})
ISSUE_STATES = {"closed": "closed", "reopened": "open"}  # issues actions that change an issue's state

# Conclusions after which the same run can still start, so the hub keeps it queued. The CLI's table counts
# ``action_required`` (a fork's run waiting for a maintainer's approval) as a failure, which ends ``wait``;
# but the hub's state only moves forward and a conclusion sticks, and an approved run goes on under the
# same id (pending, then running), so a conclusion recorded now would hide how it ends.
STILL_STARTS = frozenset({"action_required"})
PULL_REQUEST_ACTIONS = frozenset({"opened", "reopened", "synchronize", "edited", "ready_for_review"})


def process(delivery: Delivery, payload: dict[str, Any]) -> Outcome:
    if delivery.event == "ping":
        return Outcome.processed("ping: the hook reaches the hub")
    handler = HANDLERS.get(delivery.event)
    if handler is None:
        return Outcome.ignored(f"GitHub event {delivery.event!r} is not used by the hub")
    if delivery.project is None:
        return Outcome.ignored("the repository is not a project of this hub")
    return handler(delivery.project, payload)


def _provider(project: Project) -> str:
    return project.provider if project.provider == Provider.GITHUB_ENTERPRISE else Provider.GITHUB


def held(data: Mapping[str, Any]) -> bool:
    """Whether the hub keeps this run or job queued though the client calls it finished (``STILL_STARTS``);
    the reconcile task asks too, about what the client read."""
    return str(data.get("conclusion")) in STILL_STARTS


def state(data: Mapping[str, Any]) -> tuple[str, str | None]:
    """Our (status, conclusion) for a workflow run or job: the client's, queued while it can still start."""
    if held(data):
        return RunStatus.QUEUED, None
    return github_state(data.get("status"), data.get("conclusion"))


def _workflow_run(project: Project, payload: dict[str, Any]) -> Outcome:
    wr = payload.get("workflow_run") or {}
    run_id = positive_int(wr.get("id"))
    if run_id is None:
        return Outcome.failed("workflow_run.id is missing")
    pulls = [p for p in wr.get("pull_requests") or [] if isinstance(p, dict)]
    first = pulls[0] if pulls else {}
    status, conclusion = state(wr)
    run, _ = record(
        project,
        {
            "provider": _provider(project),
            "provider_run_id": str(run_id),
            "attempt": positive_int(wr.get("run_attempt")) or 1,
            "run_number": text(wr.get("run_number"), 100),
            "workflow": text(wr.get("name") or (payload.get("workflow") or {}).get("name"), 1000),
            "event": text(wr.get("event"), 100),
            "branch": text(wr.get("head_branch"), 500),
            "base_branch": text((first.get("base") or {}).get("ref"), 500),
            "commit_sha": text(wr.get("head_sha"), 64).lower(),
            "pull_request": positive_int(first.get("number")),
            "url": text(wr.get("html_url"), 2000),
            "status": status,
            "conclusion": conclusion,
            "started_at": parse_time(wr.get("run_started_at")),
            "finished_at": parse_time(wr.get("updated_at")) if status == RunStatus.COMPLETED else None,
        },
    )
    return Outcome.processed(f"run {run.pk} is {run.status}")


def _workflow_job(project: Project, payload: dict[str, Any]) -> Outcome:
    wj = payload.get("workflow_job") or {}
    run_id = positive_int(wj.get("run_id"))
    name = text(wj.get("name"), 1000)
    if run_id is None or not name:
        return Outcome.failed("workflow_job.run_id or workflow_job.name is missing")
    status, conclusion = state(wj)
    run, jobs = record(
        project,
        {
            "provider": _provider(project),
            "provider_run_id": str(run_id),
            "attempt": positive_int(wj.get("run_attempt")) or 1,
            "workflow": text(wj.get("workflow_name"), 1000),
            "branch": text(wj.get("head_branch"), 500),
            "commit_sha": text(wj.get("head_sha"), 64).lower(),
            # A job that is running or done means its run is at least in progress; its end is the run's.
            "status": RunStatus.IN_PROGRESS if status == RunStatus.COMPLETED else status,
        },
        [
            {
                "name": name,
                "provider_job_id": text(wj.get("id"), 200),
                "url": text(wj.get("html_url"), 2000),
                "status": status,
                "conclusion": conclusion,
                "started_at": parse_time(wj.get("started_at")),
                "finished_at": parse_time(wj.get("completed_at")),
            }
        ],
    )
    return Outcome.processed(f"job {jobs[0].pk} of run {run.pk} is {jobs[0].status}")


def _check_suite(project: Project, payload: dict[str, Any]) -> Outcome:
    suite = payload.get("check_suite") or {}
    return _note_pulls(project, suite.get("head_sha"), suite.get("pull_requests"))


def _pull_request(project: Project, payload: dict[str, Any]) -> Outcome:
    if payload.get("action") not in PULL_REQUEST_ACTIONS:
        return Outcome.ignored(f"pull_request action {payload.get('action')!r} changes no run")
    pr = payload.get("pull_request") or {}
    head, base = pr.get("head") or {}, pr.get("base") or {}
    changed = note_pull_request(
        project,
        text(head.get("sha"), 64),
        positive_int(payload.get("number") or pr.get("number")),
        base_branch=text(base.get("ref"), 500),
        branch=text(head.get("ref"), 500),
    )
    fix = fixer_links.link(project, **_pull_request_link(pr)) if pr.get("number") else None
    linked = f"; linked to fix job {fix.pk}" if fix is not None else ""
    return Outcome.processed(f"pull request noted on {changed} run field(s){linked}")


def _pull_request_link(pr: dict[str, Any]) -> dict[str, Any]:
    """What linking a fix's pull request needs, read by the GitHub client's one translation."""
    info = pull_request_info(pr)
    return {"head": info.head, "number": info.number, "url": info.url, "head_sha": info.head_sha,
            "from_fork": info.from_fork}  # fmt: skip


def _note_pulls(project: Project, head_sha: Any, pulls: Any) -> Outcome:
    pulls = [p for p in pulls or [] if isinstance(p, dict)]
    if not pulls:
        return Outcome.processed("no pull request to note")
    pr = pulls[0]
    changed = note_pull_request(
        project,
        text(head_sha, 64),
        positive_int(pr.get("number")),
        base_branch=text((pr.get("base") or {}).get("ref"), 500),
        branch=text((pr.get("head") or {}).get("ref"), 500),
    )
    return Outcome.processed(f"pull request noted on {changed} run field(s)")


def _push(project: Project, payload: dict[str, Any]) -> Outcome:
    ref = text(payload.get("ref"), 1000)
    if not ref.startswith("refs/heads/") or payload.get("deleted"):
        return Outcome.processed("not a branch update: nothing to note")
    changed = note_pull_request(
        project, text(payload.get("after"), 64), None, branch=ref[len("refs/heads/") :]
    )
    return Outcome.processed(f"branch noted on {changed} run field(s)")


def _issues(project: Project, payload: dict[str, Any]) -> Outcome:
    """An issue closed or reopened: if the hub filed it, the hub learns whether a person dismissed it."""
    state = ISSUE_STATES.get(str(payload.get("action")))
    issue = payload.get("issue") if isinstance(payload.get("issue"), dict) else {}
    number = positive_int(issue.get("number"))
    if state is None:
        return Outcome.ignored(f"issues action {payload.get('action')!r} does not change an issue's state")
    if number is None:
        return Outcome.failed("issue.number is missing")
    sender = payload.get("sender") if isinstance(payload.get("sender"), dict) else {}
    note = dismissals.issue_event(
        project,
        str(number),
        state,
        by=text(sender.get("login"), 150),
        reason=text(issue.get("state_reason"), 50),
    )
    return Outcome.processed(note)


HANDLERS = {
    "workflow_run": _workflow_run,
    "workflow_job": _workflow_job,
    "check_suite": _check_suite,
    "pull_request": _pull_request,
    "push": _push,
    "issues": _issues,
}
