"""A completed run's summary for notifications, read from the apps below: each failure's pull-request
classification (hub.failures) and its test's verdict (hub.flaky), summarised by ``hub.response.summary``."""

from __future__ import annotations

from hub.failures.models import Failure
from hub.flaky.models import TestState
from hub.response.summary import FailureFact, RunHeader, RunSummary, summarise
from hub.runs.models import Run


def header(run: Run) -> RunHeader:
    return RunHeader(
        project=run.project.full_name, run_id=run.provider_run_id, attempt=run.attempt, url=run.url,
        workflow=run.workflow, branch=run.branch, commit=run.commit_sha, pull_request=run.pull_request,
        default_branch=run.project.default_branch, conclusion=run.conclusion or "", tests=run.tests,
        passed=run.passed, skipped=run.skipped,
    )  # fmt: skip


def run_summary(run: Run) -> RunSummary:
    failures = Failure.objects.filter(run=run).select_related("test__health", "job")
    return summarise(header(run), (fact(failure) for failure in failures))


def fact(failure: Failure) -> FailureFact:
    health = getattr(failure.test, "health", None)  # a test that never had a verdict has none
    state = health.state if health is not None else TestState.HEALTHY
    return FailureFact(str(failure.test), failure.job.name, failure.classification, state)
