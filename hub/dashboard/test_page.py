"""What a test's page shows: its recent results as a strip and a duration chart, its verdict with the
evidence as linked sentences, its state changes, quarantine, and the fix jobs (and issues) about it.

History is read newest first through the history index (``segments.newest_first``, as the API's test
history), final attempts only, and drawn oldest first.
"""

from __future__ import annotations

from typing import Any

from hub.dashboard import charts
from hub.flaky.models import QuarantineEntry, StateChange, TestHealth
from hub.response.models import FixJob
from hub.runs.models import Run, Test, TestResult
from hub.runs.services import segments

HISTORY = 120
STATE_CHANGES = 50
CHART = (720, 140)


def evidence(items: list[dict[str, Any]], runs: dict[int, Run]) -> list[dict[str, Any]]:
    """Each evidence item's sentence with the runs it names (those the reader can open) and commits."""
    shown = []
    for item in items or []:
        if not isinstance(item, dict) or not item.get("sentence"):
            continue
        shown.append(
            {
                "sentence": item["sentence"],
                "runs": [runs[i] for i in item.get("runs") or [] if i in runs],
                "commits": [c for c in item.get("commits") or [] if isinstance(c, str) and c],
            }
        )
    return shown


def context(test: Test) -> dict[str, Any]:
    health = TestHealth.objects.filter(test=test).select_related("onset_run").first()
    newest = segments.newest_first(
        TestResult.objects.filter(test=test, final=True).select_related("run", "job"), test.project
    )
    history = list(newest[:HISTORY])[::-1]
    mentioned = {i for item in (health.evidence if health else []) or [] for i in item.get("runs") or []}
    runs = {run.pk: run for run in Run.objects.filter(project=test.project, pk__in=mentioned)}
    width, height = CHART
    return {
        "test": test,
        "health": health,
        "history": history,
        "durations": charts.polyline([r.duration for r in history], width, height),
        "longest": max((r.duration or 0 for r in history), default=0),
        "chart": {"width": width, "height": height},
        "evidence": evidence(health.evidence if health else [], runs),
        "changes": list(StateChange.objects.filter(test=test).select_related("user")[:STATE_CHANGES]),
        "quarantine": QuarantineEntry.objects.active().filter(test=test).first(),
        "quarantine_history": list(QuarantineEntry.objects.filter(test=test, removed_at__isnull=False)[:10]),
        "fix_jobs": list(FixJob.objects.filter(test=test).prefetch_related("effects")[:20]),
    }
