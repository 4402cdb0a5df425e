"""The demo's response history: what the hub would have done about the seeded failures, so the fix jobs,
a fix job's merge decision and rounds, the tasks and a coding-agent run have something to show.

Everything goes through the response services the hub's own workers use: ``fix_jobs.open_job`` and
``transition`` (the state machine and its timeline), ``effects.once`` (each outside object recorded
before it is "made"), ``merging.record`` of a decision from the pure ``merge.decide``, and
``agent_tasks.create`` for an owner's task. The demo has no CI or coding agent to call, so each
effect's call answers what the provider would have (the run, pull request and agent session addresses
in the project's CI's shape): the only stand-in, at the outside boundary. The jobs are moved past
``pending`` in the same step, so the demo's worker finds nothing of theirs to do.

Idempotent: every job is keyed ``demo:...``; a job whose key exists is left alone.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q

from hub.demo.suites import PROJECTS
from hub.flaky.models import TestHealth, TestState
from hub.projects.models import Project
from hub.response import merge
from hub.response.agents.models import AgentRun, AgentRunState, Strategy
from hub.response.models import FixJob, FixState, Responder
from hub.response.policy import store
from hub.response.responders import fixer
from hub.response.services import agent_tasks, effects, fix_jobs, merging
from hub.runs.models import Conclusion, Run

S = FixState
WORKER = "taken by a worker"
TASK = {
    "title": "Retry invoice uploads on 503",
    "description": "Uploads to the storage service fail the whole invoice run when it answers 503. "
    "Retry them with backoff instead.",
    "requirements": "At most 3 retries; keep the upload idempotent.",
    "acceptance_criteria": "tests.invoices pass; a 503 on the first try no longer fails the run.",
    "priority": "high",
}


def respond(projects: dict[str, Project]) -> list[str]:
    """Fix jobs in several states for each GitHub demo project (its runs' URLs are GitHub's); answer
    a line per job made."""
    made: list[str] = []
    owners = {spec.full_name: spec.owner for spec in PROJECTS}
    for name, project in projects.items():
        if project.provider != "github":
            continue
        owner = get_user_model().objects.get(username=owners[name])
        for story in (_rerun_that_passed, _fix_merged_after_two_rounds, _fix_waiting, _issue_dead, _task):
            line = story(project, owner)
            if line:
                made.append(f"{name}: {line}")
    return made


def _runs(project: Project, *where: Q, **filters) -> Run | None:
    return Run.objects.filter(*where, project=project, **filters).order_by("-created_at", "-id").first()


def _open(project: Project, responder: str, key: str, reason: str, **about) -> FixJob | None:
    """The job keyed ``key``, opened and taken by a worker; None when the demo made it before. One
    transaction: the job is handed to the task queue on commit, when it is no longer pending."""
    with transaction.atomic():
        job = fix_jobs.open_job(project.pk, responder, key, reason, **about)
        if job is not None:
            fix_jobs.transition(job, S.RUNNING, WORKER, attempts=1)
    return job


def _made(external_id: str, url: str, **detail) -> Callable[[], effects.Made]:
    """The demo's stand-in for the provider's answer to a call."""
    return lambda: effects.Made(external_id, url, detail)


def _repo(project: Project) -> str:
    return f"https://github.com/{project.full_name}"


def _rerun_that_passed(project: Project, owner) -> str:
    run = _runs(project, pull_request__isnull=False, conclusion=Conclusion.FAILURE)
    flaky = TestHealth.objects.filter(project=project, state__in=(TestState.FLAKY, TestState.QUARANTINED))
    health = flaky.order_by("-runs_affected", "test_id").first()
    if run is None:
        return ""
    job = _open(
        project,
        Responder.RERUN,
        f"demo:rerun:{run.pk}",
        "the pull request's run failed; its failed jobs are run again in case it was a flake",
        run=run,
        test=health.test if health else None,
    )
    if job is None:
        return ""
    effect, _ = effects.once(
        job,
        f"demo:rerun:{run.pk}:effect",
        "rerun",
        _made(run.provider_run_id, f"{run.url}/attempts/2"),
        lambda: None,
    )
    fix_jobs.transition(
        job,
        S.AWAITING_VERIFICATION,
        f"re-run of the failed jobs requested; run {effect.external_id} attempt 2 is queued",
    )
    fix_jobs.transition(job, S.SUCCEEDED, "attempt 2 passed: the failure was a flake")
    return f"fix job {job.pk} (re-run, succeeded)"


def _fix_merged_after_two_rounds(project: Project, owner) -> str:
    broken = _runs(project, branch="main", pull_request__isnull=True, conclusion=Conclusion.FAILURE)
    red = _runs(project, ~Q(branch="main"), conclusion=Conclusion.FAILURE) if broken else None
    if broken is None or red is None:
        return ""
    job = _open(
        project,
        Responder.FIXER,
        f"demo:fixer:{broken.pk}",
        "main went red: the fix workflow may repair it",
        run=broken,
    )
    if job is None:
        return ""
    branch, number, head = f"orchestrate/fix-{job.pk}", "412", f"{job.pk:07x}".ljust(40, "c")
    for key, run_id, after in (
        (f"{fixer.DISPATCH}{job.pk}", 9_100_001, None),
        (f"{fixer.DISPATCH}{job.pk}:round:2", 9_100_002, red.pk),
    ):
        url = f"{_repo(project)}/actions/runs/{run_id}"
        detail = {"workflow": "orchestrate-fix.yml", "ref": branch, **({"after_run": after} if after else {})}
        effects.once(job, key, fixer.KIND, _made(str(run_id), url, **detail), lambda: None)
    fix_jobs.transition(
        job,
        S.AWAITING_VERIFICATION,
        f"fix workflow orchestrate-fix.yml dispatched; pull request #{number} from {branch}",
    )
    facts = merge.PullRequestFacts(
        head_sha=head,
        checked_sha=head,
        validation=merge.Validation.PASSED,
        checks=(merge.Check("test (3.12)", head, "completed", "success"),),
        touched_paths=("app/invoices/rounding.py", "tests/invoices/test_rounding.py"),
        lines_changed=14,
    )
    rules = merge.MergeRules(enabled=True, allowed_paths=("app/**", "tests/**"))
    merging.record(job, merge.decide(facts, rules), number)
    fix_jobs.transition(job, S.SUCCEEDED, f"merged pull request #{number} at {head[:12]}")
    return f"fix job {job.pk} (fixer, two rounds, merged)"


def _fix_waiting(project: Project, owner) -> str:
    run = _runs(project, pull_request__isnull=False, conclusion=Conclusion.FAILURE, attempt=1)
    if run is None:
        return ""
    job = _open(
        project,
        Responder.FIXER,
        f"demo:fixer:{run.pk}",
        "a new failure on this pull request: the fix workflow may repair it",
        run=run,
    )
    if job is None:
        return ""
    url = f"{_repo(project)}/actions/runs/9100003"
    effects.once(job, f"{fixer.DISPATCH}{job.pk}", fixer.KIND, _made("9100003", url), lambda: None)
    fix_jobs.transition(
        job,
        S.AWAITING_VERIFICATION,
        "fix workflow orchestrate-fix.yml dispatched; "
        f"waiting for its pull request from orchestrate/fix-{job.pk}",
    )
    head = f"{job.pk:07x}".ljust(40, "d")
    facts = merge.PullRequestFacts(
        head_sha=head,
        checked_sha=head,
        touched_paths=("app/cart.py",),
        checks=(merge.Check("lint", head, "completed", "success"),),
    )
    rules = merge.MergeRules(enabled=True, allowed_paths=("app/**",))
    merging.record(job, merge.decide(facts, rules), "413")
    return f"fix job {job.pk} (fixer, waiting for validate)"


def _issue_dead(project: Project, owner) -> str:
    health = TestHealth.objects.filter(project=project, state=TestState.FLAKY).order_by("test_id").first()
    if health is None:
        return ""
    job = _open(
        project,
        Responder.ISSUES,
        f"demo:issue:{health.test_id}",
        "a flaky test without an issue",
        test=health.test,
    )
    if job is None:
        return ""
    error = f"ClientUnavailable: {project.full_name} has no provider API token; add one in the admin"
    fix_jobs.transition(
        job,
        S.DEAD,
        f"{job.max_attempts} attempts failed; the last: {error}",
        attempts=job.max_attempts,
        last_error=error,
    )
    return f"fix job {job.pk} (issue, dead: press Try again once a token is set)"


def _task(project: Project, owner) -> str:
    if project.agent_tasks.filter(title=TASK["title"]).exists():
        return ""
    policy = store.document(project)
    if not (policy.get("agent") or {}).get("adapter"):
        store.save(project, {**policy, "agent": {**policy.get("agent", {}), "adapter": "codegen"}}, owner)
    with transaction.atomic():  # handed to the task queue on commit, when it is no longer pending
        task = agent_tasks.create(project, dict(TASK), owner)
        job = task.fix_job
        fix_jobs.transition(job, S.RUNNING, WORKER, attempts=1)
    agent_run = AgentRun.objects.create(fix_job=job, attempt=1, strategy=Strategy.CONTEXT, adapter="codegen")
    session = f"https://codegen.com/agent/trace/{70_000 + job.pk}"
    effect, _ = effects.once(
        job, f"agent:{job.pk}:1", "agent_run", _made(str(70_000 + job.pk), session), lambda: None
    )
    passed = _runs(project, pull_request__isnull=False, conclusion=Conclusion.SUCCESS)
    pull = f"{_repo(project)}/pull/{passed.pull_request}" if passed else ""
    AgentRun.objects.filter(pk=agent_run.pk).update(
        external_id=effect.external_id,
        web_url=effect.external_url,
        state=AgentRunState.COMPLETED,
        status_word="COMPLETE",
        pull_request_url=pull,
        summary="Retries uploads on 503 with backoff.",
    )
    fix_jobs.transition(
        job, S.AWAITING_VERIFICATION, f"the agent opened {pull or 'a pull request'}; waiting for its CI"
    )
    return f"task {task.pk} (coding agent, pull request opened)"
