"""When the evidence that a test is flaky is complete, read from the reports alone: the simulator's second
clock for time to detection.

The first clock (``flaky_sim.detection_times``) starts at a flaky test's second failing job. That job is
often not evidence yet: a failure on a pull request, or the latest run on the default branch, looks like
a breakage until the next run on that branch passes, and no reviewer would call the test flaky before
it does. This clock starts at the first upload after which the reports hold evidence a reviewer would
accept:

* a retry: one job where the test failed, then passed;
* the same commit: a job that finished failed and one of the same name that passed, on one SHA (a
  re-run, on any branch);
* two isolated failures on the default branch: each between two passes there.

A failure on a pull request that a later commit of it mended is not evidence: the author's change
explains it as well as a flake does (docs/flaky.md).

Outage jobs (more than half of a job of 10 or more tests failing, as the hub recognises them) are left
out. No ground truth is read but which tests are flaky, to know whose clock to keep.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from _flaky_world import Kind, SimUpload, TestTruth  # the script's dir

from agent.model import Status

Key = tuple[str, str]


def evidence_uploads(tests: Sequence[TestTruth], uploads: Sequence[SimUpload]) -> dict[Key, int]:
    """For each flaky test whose evidence became complete, the index of the upload that completed it."""
    flaky = {t.key for t in tests if t.kind is Kind.FLAKY}
    found: dict[Key, int] = {}
    by_commit: dict[tuple[Key, str, str], int] = {}  # bit 1: finished passed, bit 2: finished failed
    main: dict[Key, list[bool]] = {}  # the last two default-branch outcomes: failed?
    isolated: dict[Key, int] = {}
    for upload in uploads:
        cases = upload.cases
        if len(cases) >= 10 and sum(case.status.is_failure for case in cases) > len(cases) / 2:
            continue
        context = upload.context
        default = context.branch == "main" and context.pull_request is None
        for case in cases:
            key = (case.classname or "", case.name)
            if key not in flaky or key in found:
                continue
            attempts = [rerun.status for rerun in case.reruns] + [case.status]
            failed, passed = case.status.is_failure, case.status == Status.PASSED
            retry = passed and any(status.is_failure for status in attempts)
            commit = (key, context.commit_sha, context.job_name)
            by_commit[commit] = by_commit.get(commit, 0) | (2 if failed else 1 if passed else 0)
            if default:
                last = main.setdefault(key, [])
                if passed and last[-2:] == [False, True]:
                    isolated[key] = isolated.get(key, 0) + 1
                main[key] = [*last[-1:], failed]
            if retry or by_commit[commit] == 3 or isolated.get(key, 0) >= 2:
                found[key] = upload.index
    return found


def ingests_from_evidence(
    evidence_at: dict[Key, int], changes: Sequence[dict], upload_at: Callable[[float], int | None]
) -> dict[Key, int]:
    """Ingests from each flaky test's complete evidence to the upload during which it was first labelled
    flaky (negative: labelled before this reading of the evidence was complete)."""
    first: dict[Key, float] = {}
    for change in changes:
        key = (change["classname"], change["name"])
        if change["to"] in ("flaky", "quarantined") and key not in first:
            first[key] = change["at"]
    found = {}
    for key, at in first.items():
        upload = upload_at(at)
        if key in evidence_at and upload is not None:
            found[key] = upload - evidence_at[key]
    return found
