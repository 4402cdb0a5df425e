"""The same-commit signal: one commit both failed and passed the test, so the code cannot be the cause."""

from __future__ import annotations

from hub.flaky.signals.executions import PASSED, Execution


def same_commit(usable: list[Execution]) -> list[tuple[list[Execution], list[Execution]]]:
    """Commits (per job name: a matrix cell that always fails is a configuration, not a flake) where the
    test finished failed in one execution and passed in another."""
    groups: dict[tuple[str, str], tuple[list[Execution], list[Execution]]] = {}
    failed = {(e.sha, e.job_name) for e in usable if e.final_failed and e.sha}
    if not failed:
        return []
    for e in usable:
        key = (e.sha, e.job_name)
        if key not in failed:  # a commit that only passed (most of them) pairs nothing
            continue
        failing, passing = groups.setdefault(key, ([], []))
        if e.final_failed:
            failing.append(e)
        elif e.final_status == PASSED:
            passing.append(e)
    return [(f, p) for f, p in groups.values() if f and p]
