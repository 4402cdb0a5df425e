"""The ``orchestrate ci`` commands about runs: list, trigger, status, wait, retry and cancel."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from agent.commands.base import ExitStatus, UsageError
from agent.commands.ci import output
from agent.commands.ci.handlers import Call, conclusion_status, find_job, show_run
from agent.lookback import MAX_LOOKBACK, STATES, format_lookback
from agent.providers.recent import recent_runs

if TYPE_CHECKING:
    from agent.providers.base import JobInfo


def list_runs(call: Call) -> ExitStatus:
    args = call.args
    if args.since is not None or args.status not in (None, *STATES):
        since = datetime.now(UTC) - (args.since or MAX_LOOKBACK)
        runs = recent_runs(
            call.provider,
            since=since,
            status=args.status,
            workflow=args.workflow,
            branch=args.branch,
            limit=args.limit,
        )
    else:
        runs = call.provider.list_runs(
            branch=args.branch, workflow=args.workflow, status=args.status, limit=args.limit
        )
    if args.json:
        call.out(output.dumps([output.run_json(r) for r in runs]))
    elif runs:
        for line in output.runs_table(runs):
            call.out(line)
    else:
        window = f" in the last {format_lookback(args.since)}" if args.since else ""
        call.note(f"no runs found in {call.config.repo}{window}")
    return ExitStatus.OK


def trigger(call: Call) -> ExitStatus:
    args = call.args
    ref = args.ref or args.branch or call.config.current_branch
    if not ref:
        raise UsageError("no branch or tag to run on: pass --branch NAME or --ref REF")
    if not args.workflow and call.config.provider == "github":
        raise UsageError("GitHub needs --workflow: the workflow's file name (ci.yml), id or name")
    inputs = _inputs(args.field)
    triggered = call.provider.trigger(workflow=args.workflow or "", ref=ref, inputs=inputs)
    if args.json:
        run = output.run_json(triggered.run) if triggered.run else None
        call.out(output.dumps({"run": run, "url": triggered.url, "message": triggered.message}))
        return ExitStatus.OK
    if triggered.run is None:
        call.note(triggered.message)  # the dispatch worked; the run is not known (yet)
    else:
        run_id = triggered.run.id
        # The provider's own words (GitLab says what became of --workflow), always with the run's id.
        call.out(triggered.message if run_id in triggered.message else f"run {run_id}: {triggered.message}")
    if url := (triggered.run.url if triggered.run else "") or triggered.url:
        call.out(url)
    return ExitStatus.OK


def status(call: Call) -> ExitStatus:
    run = call.provider.get_run(call.run)
    show_run(call, run)
    if call.args.exit_status and run.status == "completed":
        return conclusion_status(run)
    return ExitStatus.OK


def wait(call: Call) -> ExitStatus:
    from agent.commands.ci.wait import Waiter

    waiter = Waiter(
        call.provider,
        call.run,
        runtime=call.runtime,
        interval=call.args.interval,
        heartbeat=call.args.heartbeat,
        timeout=call.args.timeout,
    )
    run = waiter.wait()
    show_run(call, run)
    if not run.completed:
        call.note(
            f"error: run {run.id} is still {run.status} after {output.duration(waiter.elapsed)}; "
            f"stopped waiting (the run goes on; `orchestrate ci cancel {run.id}` stops it)"
        )
        return ExitStatus.RUN_FAILED
    return conclusion_status(run)


def retry(call: Call) -> ExitStatus:
    args = call.args
    job: JobInfo | None = None
    if args.job:
        job = find_job(call.provider.list_jobs(call.run), args.job, call.run)
    run = call.provider.retry(call.run, failed_only=args.failed, job_id=job.id if job else None)
    scope = "job" if job else "failed" if args.failed else "run"
    if args.json:
        document = {
            "run_id": call.run,
            "scope": scope,
            "job_id": job.id if job else None,
            "run": output.run_json(run) if run else None,
        }
        call.out(output.dumps(document))
        return ExitStatus.OK
    what = {"job": f"job {job.name if job else ''}", "failed": "the failed jobs", "run": "every job"}[scope]
    started = f" (attempt {run.attempt})" if run else ""
    if run is not None and run.attempt == 1 and run.id != call.run:
        started = f" as new run {run.id}"  # a CircleCI workflow's re-run is a workflow of its own
    call.out(f"re-running {what} of run {call.run}{started}")
    if run is not None and run.url:
        call.out(run.url)
    return ExitStatus.OK


def cancel(call: Call) -> ExitStatus:
    call.provider.cancel(call.run)
    if call.args.json:
        call.out(output.dumps({"run_id": call.run, "cancel_requested": True}))
    else:
        call.out(f"cancel requested for run {call.run}; `orchestrate ci wait {call.run}` shows when it stops")
    return ExitStatus.OK


def _inputs(fields: list[str]) -> dict[str, str]:
    inputs: dict[str, str] = {}
    for item in fields:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"-f {item!r}: expected KEY=VALUE")
        if key.strip() in inputs:
            raise UsageError(f"-f {key.strip()}: given twice")
        inputs[key.strip()] = value
    return inputs
