"""``orchestrate report``: parse test reports, save the report document, upload it and the artifacts.

The order of events is chosen so that nothing is lost and the build is not broken by reporting:

1. The token is resolved (the agent token, or the CI's OIDC token); on GitHub Actions it is masked
   before anything is printed.
2. The run context is detected (``agent.ci``) and explicit flags are laid over it; on GitHub Actions the
   job's display name and id are looked up first (``agent.commands.github_job``). With ``--fail-on
   unquarantined`` the project's quarantine list is fetched (``agent.commands.quarantine``; fail safe).
3. Reports are parsed as they stream into a gzip spool file (``agent.upload``), tallied on the way; a
   file whose cases disagree with the totals its header declares gets one warning line.
4. The spool is uploaded with an idempotency key (``agent.hub_client`` retries); on success it is deleted.
5. Artifacts are uploaded once the report is in, so the hub knows their run.
6. The summary, annotations and outputs are written; the exit status follows ``--fail-on``.

Fail open: an unreachable hub, or 5xx after every retry, is a warning that names the saved file and the
``orchestrate upload`` command that sends it later; ``--strict`` makes it an error. A 4xx answer (bad
token, rejected report) is always printed as an error, and fails the step only with ``--strict``.
When several things go wrong at once the status is, in this order: USAGE, HUB_REJECTED or UPLOAD_FAILED
(with ``--strict``), NO_REPORTS (with ``--strict``), TESTS_FAILED (per ``--fail-on``), OK.
Quarantined failures are uploaded and recorded like any other; they only stop deciding the exit status.
"""

from __future__ import annotations

import argparse
import re
from typing import TYPE_CHECKING, Any

from agent.commands import connection, delivery
from agent.commands.base import ExitStatus, Runtime, UsageError

if TYPE_CHECKING:
    from agent.commands import quarantine
    from agent.commands.tally import Tally
    from agent.model import RunContext
    from agent.settings import Settings
    from agent.upload import FileResult, Spooled

PROJECT = re.compile(r"^[^/\s]+(/[^/\s]+)+$")
OVERRIDES = ("run_id", "run_attempt", "commit_sha", "branch", "pull_request", "workflow", "job_name")


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "report",
        help="parse test reports and upload them to the hub",
        description="Parse test reports, save the report document, upload it to the hub with the run's "
        "context, upload artifacts, and print a summary (a job summary and annotations on GitHub Actions).",
    )
    parser.add_argument(
        "--junit",
        nargs="+",
        action="extend",
        required=True,
        metavar="GLOB",
        help="test report files or globs",
    )
    parser.add_argument(
        "--coverage", nargs="+", action="extend", default=[], metavar="GLOB", help="coverage reports"
    )
    parser.add_argument(
        "--artifact", nargs="+", action="extend", default=[], metavar="GLOB", help="files to attach"
    )
    parser.add_argument(
        "--project", metavar="OWNER/NAME", help="the hub project (optional with a project token)"
    )
    parser.add_argument(
        "--fail-on",
        choices=("failures", "errors", "unquarantined", "never"),
        default="never",
        help="exit non-zero when a test finally failed or errored (failures), only errored (errors), "
        "a test outside the project's quarantine list failed or errored (unquarantined), or never (default)",
    )
    parser.add_argument(
        "--strict", action="store_true", help="fail the step when the upload fails or nothing can be read"
    )
    parser.add_argument(
        "--spool-dir", metavar="DIR", help="where the report is saved (env ORCHESTRATE_SPOOL_DIR)"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON document describing the result")
    connection.add_arguments(parser)
    ctx = parser.add_argument_group("run context (overrides what is detected from the CI's environment)")
    ctx.add_argument("--run-id", metavar="ID")
    ctx.add_argument("--run-attempt", metavar="N")
    ctx.add_argument("--commit", dest="commit_sha", metavar="SHA")
    ctx.add_argument("--branch", metavar="NAME")
    ctx.add_argument("--pull-request", metavar="N")
    ctx.add_argument("--workflow", metavar="NAME")
    ctx.add_argument("--job-name", metavar="NAME")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace, runtime: Runtime) -> ExitStatus:
    settings = connection.load_settings(runtime)
    conn = connection.obtain_token(connection.resolve(args, settings), settings, runtime)
    github = settings.github_actions
    commands = runtime.stderr if args.json else runtime.stdout  # workflow commands; stdout stays JSON
    if github and conn.token:
        from agent.github_output import mask

        print(mask(conn.token), file=commands)

    context = _context(args, runtime, settings)
    if args.project and not PROJECT.match(args.project):
        raise UsageError(f"--project {args.project!r}: expected OWNER/NAME")
    if not context.run_id:
        raise UsageError(
            "no run id: not in a CI the agent recognises; pass --run-id or set ORCHESTRATE_RUN_ID "
            "(and ORCHESTRATE_REPOSITORY, ORCHESTRATE_COMMIT_SHA, ... as docs/agent.md describes)"
        )

    from pathlib import Path

    from agent.commands import quarantine
    from agent.commands.files import expand
    from agent.commands.tally import Tally
    from agent.upload import iter_cases, read_coverages, write_report

    quarantined: quarantine.QuarantineStatus | None = None
    if args.fail_on == "unquarantined":
        quarantined = quarantine.fetch(conn, args.project, runtime, github, commands)

    reports = expand(args.junit)
    coverages = expand(args.coverage)
    artifacts = expand(args.artifact)
    for pattern in reports.unmatched + coverages.unmatched + artifacts.unmatched:
        runtime.err(f"warning: no file matches {pattern}")

    tally = Tally(quarantine=quarantined.entries if quarantined else None)
    results: list[FileResult] = []
    coverage_results: list[FileResult] = []
    coverage = read_coverages(coverages.paths, coverage_results)
    outcome = delivery.Outcome()
    spooled: Spooled | None = None
    if not reports.paths:
        outcome.message = "no test report matched; nothing was uploaded"
        runtime.err(f"warning: {outcome.message}")
    else:
        spool_dir = Path(args.spool_dir) if args.spool_dir else settings.spool_dir

        def counted() -> Any:
            for case in iter_cases(reports.paths, results):
                tally.add(case)
                yield case

        try:
            spooled = write_report(
                spool_dir,
                context,
                counted(),
                files=lambda: [r.to_document() for r in results + coverage_results],
                coverage=lambda: coverage,
                project=args.project,
            )
        except OSError as exc:
            outcome.state = "not_saved"
            outcome.message = f"cannot save the report in {spool_dir}: {exc.strerror or exc}"
            runtime.err(f"warning: {outcome.message}")
        else:
            delivery.deliver(spooled, conn, context, artifacts.paths, outcome, runtime, github, commands)

    from agent.commands.parse import totals_warnings

    for warning in totals_warnings(results):
        runtime.err(warning)
    files = results + coverage_results
    _publish(args, runtime, settings, tally, files, outcome, commands)
    if args.json:
        _print_json(runtime, context, tally, files, spooled, outcome, quarantined)
    return _exit_status(args, tally, files, outcome)


def _context(args: argparse.Namespace, runtime: Runtime, settings: Settings) -> RunContext:
    """The detected context, on GitHub Actions with the job's display name and id looked up (unless a job
    name was given), then the flags over it."""
    from agent.ci import ContextError, detect
    from agent.ci.overrides import apply, from_env
    from agent.commands import github_job

    try:
        detected = detect(runtime.env)
        if not args.job_name and github_job.applies(detected, runtime.env):
            found = github_job.resolve(
                detected,
                runtime.env,
                timeout=min(settings.timeout, github_job.LOOKUP_TIMEOUT),
                sleep=runtime.sleep,
                clock=runtime.clock,
            )
            if found.note:
                runtime.err(f"note: {found.note}")
            # ORCHESTRATE_JOB_ID and ORCHESTRATE_JOB_URL, when set, stay above what the API said.
            detected = apply(found.context, from_env(runtime.env), source="environment")
        return apply(detected, {name: getattr(args, name) for name in OVERRIDES})
    except ContextError as exc:
        raise UsageError(str(exc)) from None


def _publish(
    args: argparse.Namespace,
    runtime: Runtime,
    settings: Settings,
    tally: Tally,
    files: list[FileResult],
    outcome: delivery.Outcome,
    commands: Any,
) -> None:
    if settings.github_actions:
        from agent import github_output

        for line in github_output.annotations(tally):
            print(line, file=commands)
        if settings.step_summary:
            github_output.append_summary(settings.step_summary, tally, files, outcome.run_url)
        if settings.github_output:
            github_output.write_outputs(settings.github_output, tally, outcome.run_url)
    if not args.json and (not settings.github_actions or not settings.step_summary):
        from agent.commands.summary import text_summary

        runtime.out(text_summary(tally, files, outcome.run_url))


def _print_json(
    runtime: Runtime,
    context: RunContext,
    tally: Tally,
    files: list[FileResult],
    spooled: Spooled | None,
    outcome: delivery.Outcome,
    quarantined: quarantine.QuarantineStatus | None,
) -> None:
    import json

    from agent.document import job_to_json, run_to_json

    saved = spooled is not None and spooled.path.exists()
    document = {
        "run": run_to_json(context),
        "job": job_to_json(context),
        "totals": {**tally.counts(), "files": len(files), "parse_errors": sum(1 for f in files if f.error)},
        "files": [{**f.to_document(), "kind": f.kind} for f in files],
        "report": None
        if spooled is None
        else {
            "path": str(spooled.path) if saved else None,
            "idempotency_key": spooled.idempotency_key,
            "sha256": spooled.sha256,
        },
        "upload": {
            "state": outcome.state,
            "message": outcome.message,
            "http_status": outcome.http_status,
            "run_url": outcome.run_url,
            "results": outcome.results,
        },
        "artifacts": outcome.artifacts,
        "quarantine": None
        if quarantined is None
        else {**quarantined.to_json(), "failures_quarantined": tally.quarantined},
    }
    runtime.out(json.dumps(document, ensure_ascii=False))


def _exit_status(
    args: argparse.Namespace,
    tally: Tally,
    files: list[FileResult],
    outcome: delivery.Outcome,
) -> ExitStatus:
    if args.strict:
        if outcome.state == "not_configured":
            return ExitStatus.USAGE
        if outcome.state == "rejected" or any(a["state"] == "rejected" for a in outcome.artifacts):
            return ExitStatus.HUB_REJECTED
        if outcome.state in {"unavailable", "not_saved"} or any(
            a["state"] == "unavailable" for a in outcome.artifacts
        ):
            return ExitStatus.UPLOAD_FAILED
        if not any(f.kind == "tests" and not f.error for f in files):
            return ExitStatus.NO_REPORTS
    if args.fail_on == "failures" and tally.failed_or_errored:
        return ExitStatus.TESTS_FAILED
    if args.fail_on == "errors" and tally.errors:
        return ExitStatus.TESTS_FAILED
    if args.fail_on == "unquarantined" and tally.unquarantined:  # every failure, without the list
        return ExitStatus.TESTS_FAILED
    return ExitStatus.OK
