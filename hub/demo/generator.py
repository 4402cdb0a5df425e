"""A few weeks of CI history for the demo projects, played into version-1 report documents.

Pure: no Django, no database, no clock. ``generate(seed, days, end)`` returns the same documents for the same
arguments, in the order the runs started, so seeding twice posts the same idempotency keys and the hub
stores nothing new. Every commit of ``hub.demo.timeline`` triggers a run whose jobs report separately
(lint, and the test suite on a matrix); the dice decide which flaky tests fail and whether an in-job retry
saves them, and a failed run is re-run now and then (GitHub: attempt 2 of the same run; CircleCI: a new
workflow in the same pipeline; GitLab pipelines are not re-run, as its agent cannot tell the tries apart).

Cases and coverage are serialised with ``agent.document`` so the demo speaks exactly the agent's dialect.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from agent.document import VERSION, case_to_json, coverage_to_json
from agent.model import Coverage, FileCoverage, Rerun, Status, TestCase
from hub.demo import suites
from hub.demo.suites import PROJECTS, Failure, JobSpec, ProjectSpec, SuiteTest
from hub.demo.timeline import Commit, Timeline, build_timeline

RERUN_CHANCE = 0.5  # of a failed run being re-run by someone hoping it was a flake
_EVENTS = {  # what each CI calls a push and a pull request run (as the agent reports it)
    "github": ("push", "pull_request"),
    "gitlab": ("push", "merge_request_event"),
    "circleci": (None, None),
}


@dataclass(frozen=True, slots=True)
class DemoUpload:
    """One report as the agent would send it: the project, an idempotency key, the document."""

    project: str
    idempotency_key: str
    document: dict[str, Any]
    rerun: bool = False  # part of a re-run of a failed run (GitHub attempt 2, CircleCI "rerun from failed")


def generate(
    seed: int, days: int, end: date, projects: tuple[ProjectSpec, ...] = PROJECTS
) -> Iterator[DemoUpload]:
    """Every demo upload for the ``days`` before ``end`` (a date; midnight UTC), in the order runs started."""
    end_at = datetime.combine(end, time(0), UTC)
    timelines = [build_timeline(spec, seed, days, end_at) for spec in projects]
    runs = sorted(
        (
            (commit.at, timeline.spec.full_name, index, timeline)
            for timeline in timelines
            for index, commit in enumerate(timeline.commits)
        ),
        key=lambda item: item[:3],
    )
    numbers = {t.spec.full_name: _RunIds(t.spec, seed) for t in timelines}
    for _, name, index, timeline in runs:
        yield from _run_uploads(timeline, timeline.commits[index], numbers[name].next(), seed, end_at)


class _RunIds:
    """Run ids and numbers in each CI's shape, drawn from their own stream so they stay stable."""

    def __init__(self, spec: ProjectSpec, seed: int) -> None:
        self.spec = spec
        self.rng = random.Random(f"{seed}:{spec.full_name}:ids")
        self.number = self.rng.randint(1200, 9000)
        self.last = {"github": 11_842_000_000, "gitlab": 1_523_000_000}.get(spec.provider, 0)

    def next(self) -> tuple[str, int]:
        self.number += 1
        self.last += self.rng.randint(3_000, 90_000)
        if self.spec.provider == "circleci":
            return str(uuid.UUID(int=self.rng.getrandbits(128), version=4)), self.number
        return str(self.last), self.number


def _run_uploads(
    timeline: Timeline, commit: Commit, ids: tuple[str, int], seed: int, end: datetime
) -> Iterator[DemoUpload]:
    """The uploads of one run, and of its re-run when the run failed and someone pressed the button."""
    spec = timeline.spec
    run_id, number = ids
    rng = random.Random(f"{seed}:{spec.full_name}:run:{run_id}")
    uploads, failed, finished = _attempt(
        timeline, commit, run_id, 1, number, spec.jobs, commit.at, rng, False
    )
    yield from uploads
    if not failed or spec.provider == "gitlab" or rng.random() >= RERUN_CHANCE:
        return
    again = finished + timedelta(minutes=rng.uniform(10, 90))
    if again >= end:
        return
    jobs = tuple(job for job in spec.jobs if job.name in failed)
    if spec.provider == "circleci":  # "Rerun workflow from failed": a new workflow in the same pipeline
        rerun_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        uploads, _, _ = _attempt(timeline, commit, rerun_id, 1, number, jobs, again, rng, True)
    else:
        uploads, _, _ = _attempt(timeline, commit, run_id, 2, number, jobs, again, rng, True)
    yield from uploads


def _attempt(
    timeline: Timeline,
    commit: Commit,
    run_id: str,
    attempt: int,
    number: int,
    jobs: tuple[JobSpec, ...],
    started: datetime,
    rng: random.Random,
    rerun: bool,
):
    """Play one attempt of a run: every job's cases, then its reports in the order the jobs finished."""
    spec = timeline.spec
    played = []
    for job in jobs:
        job_start = started + timedelta(seconds=rng.uniform(4, 40))
        if job.tests:
            cases = _test_cases(timeline, commit, job, rng)
        else:
            cases = _lint_cases(spec, commit, timeline, rng)
        duration = rng.uniform(15, 70) + sum(_case_time(c) for c in cases)
        failed = any(c.status.is_failure for c in cases)
        played.append((job_start + timedelta(seconds=duration), job, job_start, cases, failed))
    played.sort(key=lambda p: p[0])
    finished = played[-1][0]
    failed_jobs = {job.name for _, job, _, _, failed in played if failed}
    uploads = []
    for position, (job_end, job, job_start, cases, failed) in enumerate(played):
        last = position == len(played) - 1
        run = _run_json(
            spec,
            commit,
            run_id,
            attempt,
            number,
            started,
            finished if last else None,
            ("failure" if failed_jobs else "success") if last else None,
        )
        job_id = str(
            rng.randint(40_000, 99_999) if spec.provider == "circleci" else rng.randint(10**10, 10**11)
        )
        document = {
            "version": VERSION,
            "project": spec.full_name,
            "run": run,
            "job": {
                "name": job.name,
                "id": job_id,
                "url": _job_url(spec, run, job_id),
                "status": "completed",
                "conclusion": "failure" if failed else "success",
                "started_at": _stamp(job_start),
                "finished_at": _stamp(job_end),
            },
            "coverage": coverage_to_json(_coverage(timeline, commit, rng)) if job.coverage else None,
            "files": _files(spec, job, len(cases)),
            "cases": [case_to_json(case) for case in cases],
        }
        key = f"demo:{run_id}:{attempt}:{job.name}"
        uploads.append(DemoUpload(spec.full_name, key, document, rerun))
    return uploads, failed_jobs, finished


def _run_json(
    spec: ProjectSpec,
    commit: Commit,
    run_id: str,
    attempt: int,
    number: int,
    started: datetime,
    finished: datetime | None,
    conclusion: str | None,
) -> dict[str, Any]:
    push, pull = _EVENTS[spec.provider]
    on_pr = commit.pull_request is not None
    run = {
        "provider": spec.provider,
        "repository": spec.full_name,
        "run_id": run_id,
        "attempt": attempt,
        "number": str(number),
        "workflow": spec.workflow or None,
        "event": pull if on_pr else push,
        "branch": commit.branch,
        "base_branch": "main" if on_pr and spec.provider != "circleci" else None,
        "commit_sha": commit.sha,
        "pull_request": commit.pull_request,
        "url": _run_url(spec, run_id, attempt, number),
        "status": "completed" if conclusion else "in_progress",
        "conclusion": conclusion,
        "started_at": _stamp(started),
        "finished_at": _stamp(finished) if finished else None,
    }
    return {k: v for k, v in run.items() if v is not None}


def _run_url(spec: ProjectSpec, run_id: str, attempt: int, number: int) -> str:
    if spec.provider == "github":
        suffix = f"/attempts/{attempt}" if attempt > 1 else ""
        return f"https://github.com/{spec.full_name}/actions/runs/{run_id}{suffix}"
    if spec.provider == "gitlab":
        return f"https://gitlab.com/{spec.full_name}/-/pipelines/{run_id}"
    return f"https://app.circleci.com/pipelines/github/{spec.full_name}/{number}/workflows/{run_id}"


def _job_url(spec: ProjectSpec, run: dict[str, Any], job_id: str) -> str:
    if spec.provider == "github":
        return f"https://github.com/{spec.full_name}/actions/runs/{run['run_id']}/job/{job_id}"
    if spec.provider == "gitlab":
        return f"https://gitlab.com/{spec.full_name}/-/jobs/{job_id}"
    return f"{run['url']}/jobs/{job_id}"


def _test_cases(timeline: Timeline, commit: Commit, job: JobSpec, rng: random.Random) -> list[TestCase]:
    spec = timeline.spec
    broken = {}
    if commit.regressed:
        broken = {id(test): suites.regression_failure(spec, test) for test in timeline.regression}
    if commit.breaks is not None:
        broken[id(commit.breaks)] = suites.broken_on_branch(spec, commit.breaks)
    cases = []
    for test in timeline.suite:
        if test.skip_reason:
            cases.append(_case(test, Status.SKIPPED, 0.0, message=test.skip_reason))
            continue
        duration = round(test.median * job.speed * rng.lognormvariate(0, 0.25), 4)
        failure = broken.get(id(test))
        if failure is not None:
            reruns = tuple(_rerun(failure, duration) for _ in range(spec.retries))
            cases.append(_case(test, Status.FAILED, duration, failure, reruns))
        elif test.flake is not None and rng.random() < test.flake_rate:
            cases.append(_flaky(spec, test, duration, rng))
        else:
            cases.append(_case(test, Status.PASSED, duration))
    return cases


def _flaky(spec: ProjectSpec, test: SuiteTest, duration: float, rng: random.Random) -> TestCase:
    """A flaky test that failed this time; an in-job retry usually passes, but not always."""
    attempts = [_rerun(test.flake, duration)]
    for _ in range(spec.retries):
        if rng.random() < test.flake_rate * 3:  # a retry fails more often: the cause may linger
            attempts.append(_rerun(test.flake, duration))
        else:
            return _case(test, Status.PASSED, duration, reruns=tuple(attempts))
    return _case(test, Status.FAILED, duration, test.flake, tuple(attempts[:-1]))


def _rerun(failure: Failure, duration: float) -> Rerun:
    return Rerun(
        Status.FAILED, failure.duration or duration, failure.message, failure.failure_type, failure.trace
    )


def _case(
    test: SuiteTest,
    status: Status,
    duration: float,
    failure: Failure | None = None,
    reruns: tuple[Rerun, ...] = (),
    message: str | None = None,
) -> TestCase:
    return TestCase(
        name=test.name,
        status=status,
        classname=test.classname,
        suite=test.suite,
        file=test.file,
        line=test.line,
        duration=(failure.duration or duration) if failure else duration,
        message=failure.message if failure else message,
        failure_type=failure.failure_type if failure else None,
        trace=failure.trace if failure else None,
        reruns=reruns,
    )


def _case_time(case: TestCase) -> float:
    return (case.duration or 0.0) + sum(r.duration or 0.0 for r in case.reruns)


def _lint_cases(spec: ProjectSpec, commit: Commit, timeline: Timeline, rng: random.Random) -> list[TestCase]:
    cases = []
    for position, check in enumerate(spec.lint_checks):
        duration = round(rng.uniform(2, 25), 3)
        if commit.lint_fails and position == 0:
            path = _source_path(spec, rng.choice(timeline.suite))
            failure = suites.lint_failure(spec, check, path)
            cases.append(
                TestCase(
                    name=check,
                    status=Status.FAILED,
                    classname="lint",
                    duration=duration,
                    message=failure.message,
                    failure_type=failure.failure_type,
                )
            )
        else:
            cases.append(TestCase(name=check, status=Status.PASSED, classname="lint", duration=duration))
    return cases


def _source_path(spec: ProjectSpec, test: SuiteTest) -> str:
    """The file a test exercises, by each ecosystem's layout convention."""
    if spec.tool == suites.PYTEST:
        package = spec.slug.split("-")[0]
        return test.file.replace("tests/", f"src/{package}/", 1).replace("/test_", "/", 1)
    if spec.tool == suites.JEST:
        return test.file.replace(".test.", ".", 1)
    main = test.file.replace("src/test/", "src/main/", 1)
    return main.removesuffix("Test.java").removesuffix("IT.java") + ".java"


def _coverage(timeline: Timeline, commit: Commit, rng: random.Random) -> Coverage:
    """Per-file counts that hold steady from run to run and creep up as main moves on."""
    spec = timeline.spec
    creep = 0.001 * commit.base
    files = []
    for path in sorted({_source_path(spec, t) for t in timeline.suite}):
        shape = random.Random(f"{spec.full_name}:coverage:{path}")
        valid = shape.randint(40, 420)
        rate = min(1.0, shape.uniform(0.55, 0.97) + creep + rng.uniform(-0.004, 0.004))
        branches = valid // 4
        files.append(
            FileCoverage(path, int(valid * rate), valid, int(branches * max(0.0, rate - 0.08)), branches)
        )
    return Coverage(
        format=spec.coverage_format,
        lines_covered=sum(f.lines_covered for f in files),
        lines_valid=sum(f.lines_valid for f in files),
        branches_covered=sum(f.branches_covered for f in files),
        branches_valid=sum(f.branches_valid for f in files),
        files=tuple(files),
    )


def _files(spec: ProjectSpec, job: JobSpec, cases: int) -> list[dict[str, Any]]:
    slug = "".join(c if c.isalnum() else "-" for c in job.name).strip("-")
    files: list[dict[str, Any]] = [{"path": f"reports/{slug}.xml", "format": "junit", "cases": cases}]
    if job.coverage:
        name = "coverage.xml" if spec.coverage_format == "cobertura" else "coverage/lcov.info"
        files.append({"path": name, "format": spec.coverage_format})
    return files


def _stamp(moment: datetime) -> str:
    """CI APIs report times to the second."""
    return moment.isoformat(timespec="seconds")
