"""``/jobs/<id>/log.txt``: the job's stored log (its tail, as the hub kept it) as plain text, secrets
redacted, for the run page's link. The log viewer (colours, folding, search, paging) is a later page; this
is the file behind it."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404

from agent.redact import redact
from hub.operations.models import JobLog, LogState
from hub.projects.services import visible


@login_required
def job_log(request, job_id: int):
    logs = visible(JobLog.objects.filter(state=LogState.STORED), request.user, "job__run__project")
    log = get_object_or_404(logs, job_id=job_id)
    response = HttpResponse(redact(log.text()), content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="job-{job_id}.log"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
