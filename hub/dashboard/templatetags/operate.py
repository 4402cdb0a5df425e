"""The action buttons of a run, a test and a fix job, shown only to those who may press them
(``hub.projects.services.may_operate``: not to read-only members; ``hub.dashboard.operate`` for the
owners' buttons), and only those the object's state allows."""

from __future__ import annotations

from django import template

from hub.dashboard.operate import may_cancel, may_respond, may_retry
from hub.projects.services import may_operate
from hub.runs.models import RunStatus

register = template.Library()


@register.inclusion_tag("dashboard/actions_run.html", takes_context=True)
def run_actions(context, run) -> dict:
    user = context["request"].user
    return {
        "run": run,
        "csrf_token": context.get("csrf_token"),
        "can_operate": may_operate(run.project, user),
        "can_respond": may_respond(user, run.project),
        "running": run.status != RunStatus.COMPLETED,
        "jobs": [job for job in run.jobs.order_by("name", "id") if job.provider_job_id],
    }


@register.inclusion_tag("dashboard/actions_test.html", takes_context=True)
def test_actions(context, test, quarantined) -> dict:
    return {
        "test": test,
        "quarantined": quarantined,
        "csrf_token": context.get("csrf_token"),
        "can_operate": may_operate(test.project, context["request"].user),
    }


@register.inclusion_tag("dashboard/actions_fix_job.html", takes_context=True)
def fix_job_actions(context, fix_job) -> dict:
    return {
        "fix_job": fix_job,
        "csrf_token": context.get("csrf_token"),
        "can_operate": may_operate(fix_job.project, context["request"].user),
        "can_retry": may_retry(fix_job),
        "can_cancel": may_cancel(fix_job),
    }
