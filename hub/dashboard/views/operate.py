"""The dashboard's buttons: each a POST that is confirmed first, checked with the API's rule, sent
through the service the API uses (so it leaves the same audit: an ``Action``, a quarantine entry and
state change, a fix job event), and answered with a message on the page it came from.

A POST without ``confirm=yes`` renders a confirmation page that repeats the request with it, so nothing
happens from a single click and the step works without JavaScript.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from hub.api.permissions import require_operator
from hub.dashboard.operate import BadInputs, may_respond, parse_inputs, require
from hub.flaky.services import quarantine as quarantine_service
from hub.flaky.services.quarantine import QuarantineError
from hub.operations.models import Action, ActionOutcome, ActionVia
from hub.operations.services import actions
from hub.projects.models import Project
from hub.projects.services import visible
from hub.response.models import FixJob
from hub.response.services import fix_jobs, respond_now
from hub.runs.models import Job, Run, Test

MAX_REASON = 2000
SCOPES = {"failed": "the failed jobs", "all": "every job", "job": ""}
OWNERS = "the project's owners may ask the hub to respond to a run"


def confirmed_or_ask(request, question: str, back: str):
    """The confirmation page, unless this POST is the confirmed one (then None)."""
    if request.POST.get("confirm") == "yes":
        return None
    fields = [(k, v) for k, v in request.POST.items() if k not in ("csrfmiddlewaretoken", "confirm")]
    context = {"question": question, "fields": fields, "action": request.path, "back": back}
    return render(request, "dashboard/confirm.html", context)


def _told(request, action: Action) -> None:
    if action.outcome == ActionOutcome.SUCCEEDED:
        messages.success(request, f"Done: {action.message}.")
    else:
        messages.error(request, " ".join(filter(None, [f"The CI refused: {action.message}.", action.hint])))


def _run(request, run_id: int) -> Run:
    run = get_object_or_404(visible(Run.objects.select_related("project"), request.user), pk=run_id)
    require_operator(run.project, request.user, "re-run or cancel its runs")
    return run


@login_required
@require_POST
def rerun(request, run_id: int):
    run = _run(request, run_id)
    back = reverse("dashboard:run", args=[run.pk])
    scope = request.POST.get("scope", "")
    if scope not in SCOPES:
        return HttpResponseBadRequest("Say what to re-run: scope=failed, all or job (with job=<id>).")
    job = get_object_or_404(Job, run=run, pk=request.POST.get("job") or 0) if scope == "job" else None
    what = f"job {job.name}" if job else SCOPES[scope]
    if answer := confirmed_or_ask(request, f"Re-run {what} of this run at the CI?", back):
        return answer
    try:
        action = actions.rerun(
            run, failed_only=scope == "failed", job=job, user=request.user, via=ActionVia.DASHBOARD
        )
    except actions.ActionRefused as refused:
        messages.error(request, " ".join(filter(None, [refused.message, refused.hint])))
    else:
        _told(request, action)
    return redirect(back)


@login_required
@require_POST
def cancel(request, run_id: int):
    run = _run(request, run_id)
    back = reverse("dashboard:run", args=[run.pk])
    if answer := confirmed_or_ask(request, "Cancel this run at the CI?", back):
        return answer
    _told(request, actions.cancel(run, user=request.user, via=ActionVia.DASHBOARD))
    return redirect(back)


@login_required
@require_POST
def respond(request, run_id: int):
    run = get_object_or_404(visible(Run.objects.select_related("project"), request.user), pk=run_id)
    require(may_respond(request.user, run.project), OWNERS)
    back = reverse("dashboard:run", args=[run.pk])
    if answer := confirmed_or_ask(request, "Respond to this run now under the project's policy?", back):
        return answer
    try:
        done = respond_now.respond(run, user=request.user, via=ActionVia.DASHBOARD)
    except respond_now.NotCompleted as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, f"Done: {done.action.message}.")
    return redirect(back)


@login_required
def trigger(request, project_id: int):
    project = get_object_or_404(visible(Project.objects.all(), request.user, ""), pk=project_id)
    require_operator(project, request.user, "trigger its workflows")
    source = request.POST if request.method == "POST" else request.GET
    given = {name: source.get(name, "").strip() for name in ("workflow", "ref", "inputs")}
    given["ref"] = given["ref"] or project.default_branch
    context = {"project": project, "given": given, "error": ""}
    if request.method != "POST":
        return render(request, "dashboard/trigger.html", context)
    try:
        inputs = parse_inputs(given["inputs"])
    except BadInputs as bad:
        context["error"] = str(bad)
        return render(request, "dashboard/trigger.html", context, status=400)
    if not given["workflow"]:
        context["error"] = "Name the workflow to run (its file name, e.g. ci.yml, or its id)."
        return render(request, "dashboard/trigger.html", context, status=400)
    question = f"Trigger {given['workflow']} on {given['ref']} at the CI?"
    if answer := confirmed_or_ask(request, question, reverse("dashboard:trigger", args=[project.pk])):
        return answer
    action = actions.trigger(
        project, workflow=given["workflow"], ref=given["ref"], inputs=inputs, user=request.user,
        via=ActionVia.DASHBOARD,
    )  # fmt: skip
    _told(request, action)
    if action.outcome == ActionOutcome.SUCCEEDED and action.result_run_id:
        started = Run.objects.filter(project=project, provider_run_id=action.result_run_id).first()
        if started is not None:
            return redirect(reverse("dashboard:run", args=[started.pk]))
    return redirect(reverse("dashboard:runs") + f"?project={project.full_name}")


def _test(request, test_id: int) -> Test:
    test = get_object_or_404(visible(Test.objects.select_related("project"), request.user), pk=test_id)
    require_operator(test.project, request.user, "change its quarantine list")
    return test


def _reason(request) -> str:
    return request.POST.get("reason", "").strip()[:MAX_REASON]


@login_required
@require_POST
def quarantine(request, test_id: int):
    test = _test(request, test_id)
    back = reverse("dashboard:test", args=[test.pk])
    if not _reason(request):
        messages.error(request, "A quarantine needs a reason: say why the test's failures may be ignored.")
        return redirect(back)
    if answer := confirmed_or_ask(request, f"Quarantine {test.name}? Its failures will not fail runs.", back):
        return answer
    owner = request.POST.get("owner", "").strip()[:200]
    return _quarantine_step(request, back, lambda: quarantine_service.quarantine(
        test, reason=_reason(request), owner=owner, user=request.user), "Quarantined.")  # fmt: skip


@login_required
@require_POST
def unquarantine(request, test_id: int):
    test = _test(request, test_id)
    back = reverse("dashboard:test", args=[test.pk])
    if answer := confirmed_or_ask(request, f"Take {test.name} off the quarantine list?", back):
        return answer
    reason = _reason(request) or "removed from the dashboard"
    return _quarantine_step(request, back, lambda: quarantine_service.unquarantine(
        test, reason=reason, user=request.user), "Off the quarantine list.")  # fmt: skip


@login_required
@require_POST
def mark_fixed(request, test_id: int):
    test = _test(request, test_id)
    back = reverse("dashboard:test", args=[test.pk])
    if answer := confirmed_or_ask(request, f"Mark {test.name} fixed?", back):
        return answer
    reason = _reason(request) or "marked fixed from the dashboard"
    return _quarantine_step(request, back, lambda: quarantine_service.mark_fixed(
        test, reason=reason, user=request.user), "Marked fixed.")  # fmt: skip


def _quarantine_step(request, back: str, step, done: str):
    try:
        step()
    except QuarantineError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, done)
    return redirect(back)


@login_required
@require_POST
def fix_job_step(request, fix_job_id: int, step: str):
    jobs = visible(FixJob.objects.select_related("project"), request.user)
    job = get_object_or_404(jobs, pk=fix_job_id)
    require_operator(job.project, request.user, "steer its fix jobs")
    back = reverse("dashboard:fix-job", args=[job.pk])
    question = "Try this fix job again from the start?" if step == "retry" else "Cancel this fix job?"
    if answer := confirmed_or_ask(request, question, back):
        return answer
    operation = fix_jobs.retry if step == "retry" else fix_jobs.cancel
    if operation(job, request.user.get_username()):
        messages.success(request, "Tried again." if step == "retry" else "Cancelled.")
    else:
        job.refresh_from_db()
        what = "only a failed or dead fix job can be tried again" if step == "retry" else (
            "a running or finished fix job cannot be cancelled")  # fmt: skip
        messages.error(request, f"Fix job {job.pk} is {job.get_state_display().lower()}: {what}.")
    return redirect(back)
