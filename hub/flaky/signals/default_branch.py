"""The default branch's history signals: failures that stood alone between passes, and the latest failure
that is only a suspicion yet.
"""

from __future__ import annotations

from hub.flaky.signals.executions import Execution


def isolated_failures(history: list[Execution], strong_jobs: set[int]) -> list[Execution]:
    """Default-branch failures with a pass right before and right after: a regression lasts until it is
    fixed; these did not. The latest execution cannot be one yet (see ``_lone_latest``)."""
    found = []
    for i in range(1, len(history) - 1):
        e = history[i]
        alone = not history[i - 1].final_failed and not history[i + 1].final_failed
        if e.final_failed and alone and e.job_id not in strong_jobs:
            found.append(e)
    return found


def lone_latest(history: list[Execution], strong_jobs: set[int]) -> Execution | None:
    """The latest default-branch execution when it failed right after a pass: the first sign of a flake
    or of a regression, which the next run tells apart. Enough to suspect, never to call it flaky."""
    if len(history) < 2 or not history[-1].final_failed or history[-2].final_failed:
        return None
    return None if history[-1].job_id in strong_jobs else history[-1]
