"""Linking the pull request a fix workflow opened to its fix job: from the provider's webhook, and by a
bounded poll when the webhook was lost.

A pull request (a GitLab merge request) is the fix job's when its branch is ``orchestrate/fix-<job id>``
or its head commit's trailer says ``Orchestrate-Fix-Job: <job id>`` (GitLab's hook carries the last
commit's message), and its head lives in the project's own repository: a fork can name a branch anything,
so a fork's pull request is never linked. The link is recorded once as the job's ``pull_request`` effect
(``effects.adopt``), with a timeline line. The poll (``FIXER_POLL_MINUTES``) asks the provider about
fixer jobs awaiting verification without a pull request, at most ``POLL_LIMIT`` per pass, and fails
those that waited ``FIXER_PULL_REQUEST_HOURS`` in vain.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from agent.fix.publish import TRAILER, fix_job_of, trailers_of
from agent.providers import ProviderError
from hub.integrations.clients import client_for
from hub.projects.models import Project
from hub.response.models import FixJob, FixState, Responder
from hub.response.responders.fixer import PULL_REQUEST, branch
from hub.response.services import effects, fix_jobs

log = logging.getLogger(__name__)

POLL_LIMIT = 50
KIND = "pull_request"


def link(
    project: Project, *, head: str, number: int | str | None, url: str, message: str = "",
    head_sha: str = "", from_fork: bool = False,
) -> FixJob | None:  # fmt: skip
    """Record the pull request ``number`` from branch ``head`` on the fix job it names; the job, or None
    when it names none of this project's fixer jobs (or comes from a fork)."""
    if from_fork or not number:
        return None
    job_id = fix_job_of(head) or trailers_of(message).get(TRAILER)
    if job_id is None or not job_id.isdigit():
        return None
    job = FixJob.objects.filter(project=project, pk=int(job_id), responder=Responder.FIXER).first()
    if job is None:
        return None
    made = effects.Made(str(number), url, {"branch": head, "head_sha": head_sha})
    effect, recorded = effects.adopt(job, f"{PULL_REQUEST}{job.pk}", KIND, made)
    if recorded:
        fix_jobs.note(job, f"pull request {number} opened by the fix workflow: {url}",
                      {"effect": effect.pk, "branch": head})  # fmt: skip
    return job


def poll(now: datetime | None = None) -> int:
    """Link the pull requests of waiting fixer jobs whose webhook was lost; fail jobs that waited too
    long. Returns how many were linked."""
    now = now or timezone.now()
    deadline = now - timedelta(hours=settings.FIXER_PULL_REQUEST_HOURS)
    waiting = (
        FixJob.objects.filter(responder=Responder.FIXER, state=FixState.AWAITING_VERIFICATION)
        .exclude(effects__key__startswith=PULL_REQUEST)
        .select_related("project")
        .order_by("updated_at")[:POLL_LIMIT]
    )
    linked = 0
    for job in waiting:
        try:
            found = [pr for pr in client_for(job.project).find_pull_requests(branch(job)) if not pr.from_fork]
        except ProviderError as exc:
            log.warning("fix job %s: could not look for its pull request: %s", job.pk, exc)
            found = []  # asked again next pass, within the deadline
        if found:
            pr = found[0]
            linked += (
                link(job.project, head=pr.head, number=pr.number, url=pr.url, head_sha=pr.head_sha)
                is not None
            )
        elif job.updated_at < deadline:
            hours = settings.FIXER_PULL_REQUEST_HOURS
            reason = f"no pull request came from {branch(job)} within {hours} h; see the fix workflow's run"
            fix_jobs.transition(job, FixState.FAILED, reason)
    return linked
