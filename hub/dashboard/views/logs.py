"""``/jobs/<id>/log/``: a job's log, a page of lines at a time, with search and a jump to its error;
``/jobs/<id>/log.txt``: the stored log whole, as plain text with secrets redacted, to download or grep;
``/jobs/<id>/log/fetch/`` (POST) fetches it from the CI when the hub has not stored it yet."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from agent.redact import redact
from hub.dashboard.logs import pages
from hub.operations.models import JobLog, LogState
from hub.operations.services.logs import fetch_job_log
from hub.projects.services import visible
from hub.runs.models import Job


def _visible_job(request, job_id: int) -> Job:
    jobs = visible(Job.objects.select_related("run__project"), request.user, "run__project")
    return get_object_or_404(jobs, pk=job_id)


def _number(value: str | None) -> int:
    return int(value) if value and value.isdigit() and len(value) < 9 else 1


@login_required
def job_log(request, job_id: int):
    job = _visible_job(request, job_id)
    stored = JobLog.objects.filter(job=job).first()
    context = {"job": job, "run": job.run, "stored": stored}
    context.update(log_page=None, found=None, error_at=None)
    if stored is not None and stored.state == LogState.STORED:
        lines = pages.split(stored.text())
        context["log_page"] = pages.render_page(lines, _number(request.GET.get("page")), stored.spans)
        if stored.spans and isinstance(stored.spans[0], list) and stored.spans[0]:
            first = stored.spans[0][0]
            context["error_at"] = {"line": first, "page": pages.page_of(first)}
        if "q" in request.GET:
            context["found"] = pages.search(lines, request.GET["q"], _number(request.GET.get("hits")))
    return render(request, "dashboard/log.html", context)


@login_required
def job_log_text(request, job_id: int):
    logs = visible(JobLog.objects.filter(state=LogState.STORED), request.user, "job__run__project")
    log = get_object_or_404(logs, job_id=job_id)
    response = HttpResponse(redact(log.text()), content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="job-{job_id}.log"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_POST
def fetch_log(request, job_id: int):
    job = _visible_job(request, job_id)
    fetched = fetch_job_log(job.pk, requested=True)
    stored = fetched or JobLog.objects.filter(job=job).first()
    if stored is None:
        messages.warning(request, "This job has not finished yet: fetch its log once it has.")
    elif stored.state == LogState.STORED:
        messages.success(request, f"Log fetched from the CI ({stored.size} bytes kept).")
    elif stored.state == LogState.FETCHING:
        messages.info(request, "The log is being fetched: reload this page in a few seconds.")
    else:
        messages.error(request, f"The CI did not give the log: {stored.error or 'no reason given'}.")
    return redirect(reverse("dashboard:job-log", args=[job.pk]))
