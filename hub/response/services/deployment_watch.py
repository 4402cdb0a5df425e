"""The health watch after a deployment, and the end of deployment runs that overran their time: one
pass on the resume schedule (``tasks.watch_deployments``) over every deployment being watched.

A deployment is failed by ``unhealthy_checks`` failed checks in a row (a passing check starts the count
again, so one blip from a flapping service does not revert a good fix) or by a followed run still not
completed ``run_timeout_minutes`` after its trigger; it ends healthy on a passing check once
``watch_minutes`` are up. A failed deployment is undone in the same pass (``deployments.roll_back``),
and one whose undoing lost its answer is tried again on the next.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import requests
from django.utils import timezone

from hub.response.models import Effect, EffectState
from hub.response.policy import store
from hub.response.services import deployments, effects, fix_jobs
from hub.response.services.deployments import DEPLOY, KIND

TIMEOUT = 10  # seconds a health check waits for its answer
WATCH_LIMIT = 50  # deployments checked per pass


def watch(now: datetime | None = None) -> int:
    """One health check of every deployment being watched, and the end of deployment runs that overran
    their time; returns how many failed (and are undone)."""
    now = now or timezone.now()
    watching = (
        Effect.objects.filter(kind=KIND, state=EffectState.DONE, detail__has_key="watch_until")
        .exclude(detail__has_key="settled")
        .select_related("fix_job__project")
        .order_by("updated_at")[:WATCH_LIMIT]
    )
    failed = _time_out(now)
    for effect in watching:
        job, policy = effect.fix_job, store.effective(effect.fix_job.project)["deploy"]
        url = policy["health_url"]
        problem = _unhealthy(url) if url else ""
        in_a_row = effect.detail.get("unhealthy", 0) + 1 if problem else 0
        if problem and in_a_row >= policy["unhealthy_checks"]:
            failed += 1
            said = f"health check: {problem}" + (f" ({in_a_row} in a row)" if in_a_row > 1 else "")
            fix_jobs.note(job, f"deployment failed: {said}", {"effect": effect.pk})
            effects.revise(effect, effects.Made(detail={"settled": "failed", "failure": said}))
        elif problem:
            effects.revise(effect, effects.Made(detail={"unhealthy": in_a_row}))
            limit = policy["unhealthy_checks"]
            fix_jobs.note(job, f"deployment health check failed ({in_a_row} of {limit} in a row before it is "
                          f"undone): {problem}", {"effect": effect.pk})  # fmt: skip
        elif effect.detail.get("unhealthy"):
            effects.revise(effect, effects.Made(detail={"unhealthy": 0}))
            fix_jobs.note(job, f"deployment health check passed again: {url}", {"effect": effect.pk})
        elif now >= datetime.fromisoformat(effect.detail["watch_until"]):
            effects.revise(effect, effects.Made(detail={"settled": "healthy"}))
            fix_jobs.note(job, f"deployment healthy: {url or 'no health URL'} answered for the whole watch",
                          {"effect": effect.pk})  # fmt: skip
    unfinished = Effect.objects.filter(kind=KIND, detail__settled="failed").exclude(detail__has_key="undone")
    for effect in unfinished.order_by("updated_at")[:WATCH_LIMIT]:  # just failed, or an answer was lost
        deployments.roll_back(effect.pk)
    return failed


def _time_out(now: datetime) -> int:
    """Fail the followed deployment runs that have not completed within their project's
    ``run_timeout_minutes`` of their trigger (they are undone in the same pass); how many."""
    waiting = (
        Effect.objects.filter(kind=KIND, key__startswith=DEPLOY, state=EffectState.DONE)
        .exclude(external_id="")
        .exclude(detail__has_key="watch_until")
        .exclude(detail__has_key="settled")
        .select_related("fix_job__project")
        .order_by("created_at")[:WATCH_LIMIT]
    )
    timed_out = 0
    for effect in waiting:
        minutes = store.effective(effect.fix_job.project)["deploy"]["run_timeout_minutes"]
        if now < effect.created_at + timedelta(minutes=minutes):
            continue
        timed_out += 1
        reason = f"the deployment run {effect.external_id} did not complete within {minutes} min"
        fix_jobs.note(effect.fix_job, f"deployment failed: {reason}", {"effect": effect.pk})
        effects.revise(effect, effects.Made(detail={"settled": "failed", "failure": reason}))
    return timed_out


def _unhealthy(url: str) -> str:
    """'' when ``url`` answers 2xx; otherwise what it did, for a person."""
    try:
        response = requests.get(url, timeout=TIMEOUT, allow_redirects=False)
    except requests.RequestException as exc:
        return f"{url} unreachable: {type(exc).__name__}"
    return "" if 200 <= response.status_code < 300 else f"{url} answered {response.status_code}"
