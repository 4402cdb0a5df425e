"""The ``orchestrate ci`` commands that bring files home: a run's logs and its artifacts."""

from __future__ import annotations

from pathlib import Path

from agent.commands.base import ExitStatus, UsageError
from agent.commands.ci import output
from agent.commands.ci.handlers import FAILED_CONCLUSIONS, Call, find_job


def logs(call: Call) -> ExitStatus:
    args = call.args
    if args.output:
        if args.job or args.failed:
            raise UsageError("--output saves every log of the run; leave out --job and --failed with it")
        files = call.provider.run_logs(call.run, Path(args.output))
        if args.json:
            call.out(output.dumps({"run_id": call.run, "files": [str(f) for f in files]}))
        else:
            for path in files:
                call.out(str(path))
        return ExitStatus.OK

    jobs = call.provider.list_jobs(call.run)
    if args.job:
        jobs = [find_job(jobs, args.job, call.run)]
    elif args.failed:
        jobs = [job for job in jobs if job.conclusion in FAILED_CONCLUSIONS]
        if not jobs:
            call.note(f"no failed job in run {call.run}")
    documents = []
    for job in jobs:
        log = call.provider.job_log(job.id) if job.status == "completed" else None
        if args.json:
            documents.append({**output.job_json(job), "log": log})
            continue
        call.out(f"==> {job.name} ({job.id}): {output.state(job)} <==")
        call.out(log.rstrip("\n") if log is not None else f"(no log yet: the job is {job.status})")
        call.out()
    if args.json:
        call.out(output.dumps({"run_id": call.run, "jobs": documents}))
    return ExitStatus.OK


def artifacts(call: Call) -> ExitStatus:
    args = call.args
    if not args.output:
        found = call.provider.list_artifacts(call.run)
        if args.name:
            found = [a for a in found if a.name in args.name]
        if args.json:
            call.out(output.dumps([output.artifact_json(a) for a in found]))
        elif found:
            for line in output.artifacts_table(found):
                call.out(line)
        else:
            call.note(f"no artifacts in run {call.run}" + (" with those names" if args.name else ""))
        return ExitStatus.OK

    from agent.providers import NotFoundError

    dest = Path(args.output)
    files: list[Path] = []
    for name in args.name or [None]:
        got = call.provider.download_artifacts(call.run, dest, name=name)
        if name is not None and not got:
            raise NotFoundError(
                f"no artifact named {name!r} in run {call.run}",
                f"`orchestrate ci artifacts {call.run}` lists them",
            )
        files += got
    if args.json:
        call.out(output.dumps({"run_id": call.run, "output": str(dest), "files": [str(f) for f in files]}))
    else:
        for path in files:
            call.out(str(path))
        if not files:
            call.note(f"no artifacts in run {call.run}")
    return ExitStatus.OK
