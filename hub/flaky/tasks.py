"""django-q2 tasks for flaky detection: thin functions taking ids, calling the detection services.

The per-upload update runs inside ``response.pipeline.upload_stored``; these are the full recomputes (the
nightly schedule in ``schedules.py`` calls ``recompute_all``).
"""

from __future__ import annotations

from hub.flaky.services import detection_run


def recompute_all() -> int:
    return detection_run.recompute_all()


def recompute_project(project_id: int) -> int:
    return detection_run.recompute_project(project_id)


def expire_quarantine() -> int:
    """Close expired quarantine entries (hourly)."""
    from hub.flaky.services.quarantine import expire_entries

    return expire_entries()
