"""Responders: one module each, with the same three functions, so a new one starts as a copy.

- ``consider(run, policy, *, besides_upload=None) -> FixJob | None``: after a run completes (or a late
  upload of a completed run is analysed), decide from the project's effective policy and the run's facts
  whether to open a fix job (``services.fix_jobs.open_job``, keyed so it opens once).
- ``act(job) -> Outcome``: in a worker, outside any transaction, make the outside effect through
  ``services.effects.once`` (recorded before the call, checked after a crash) and say what state follows.
- ``verify(run, *, besides_upload=None) -> None``: when a run completes, settle the jobs awaiting it
  (``services.fix_jobs.verify``), e.g. the re-run attempt that passed or failed again.

Register the module in ``modules()`` under its ``models.Responder`` value.
"""

from __future__ import annotations

from types import ModuleType


def modules() -> dict[str, ModuleType]:
    from hub.response.responders import coding_agent, fixer, issues, notify, rerun

    return {
        rerun.KIND: rerun,
        issues.KIND: issues,
        notify.KIND: notify,
        fixer.KIND: fixer,
        coding_agent.KIND: coding_agent,
    }


def responder_for(kind: str) -> ModuleType:
    return modules()[kind]
