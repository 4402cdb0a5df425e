"""Operators' actions in admin, and the records they leave.

Runs get "Re-run failed jobs" and "Cancel"; projects get "Trigger a workflow" (an intermediate form for
workflow, ref and inputs). They extend the runs' and projects' own admin classes (re-registered here, so
those apps do not depend on this one) and call ``hub.operations.services.actions``, which records an
``Action`` for every request. They need the "Can add action" permission (superusers have it).

Actions and fetched job logs are listed read-only: they are evidence.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.utils.html import format_html

from hub.operations.models import Action, ActionOutcome, ActionVia, JobLog, Monitor, RunCheck
from hub.operations.services import actions
from hub.projects.admin import ProjectAdmin
from hub.projects.models import Project
from hub.runs.admin import RunAdmin
from hub.runs.models import Run

MAX_INPUTS = 25  # GitHub's limit for workflow_dispatch inputs
LOG_SHOWN = 64 << 10  # characters of a stored log's tail shown on its page


def parse_inputs(text: str) -> dict[str, str]:
    """``key=value`` lines (blank lines ignored) as a mapping; ValidationError naming the bad line."""
    inputs: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        key, sep, value = line.partition("=")
        if not sep or not key.strip():
            raise forms.ValidationError(f"Line {number}: write key=value.")
        inputs[key.strip()] = value.strip()
    if len(inputs) > MAX_INPUTS:
        raise forms.ValidationError(f"At most {MAX_INPUTS} inputs.")
    return inputs


class TriggerForm(forms.Form):
    workflow = forms.CharField(
        max_length=1000,
        help_text="GitHub: the workflow's file (ci.yml), id or name. GitLab, CircleCI: "
        "see docs/operators.md.",
    )
    ref = forms.CharField(
        max_length=255, required=False, help_text="Branch or tag; empty for each project's default branch."
    )
    inputs = forms.CharField(
        required=False,
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
        help_text="One key=value per line (workflow inputs, pipeline variables or parameters).",
    )

    def clean_inputs(self) -> dict[str, str]:
        return parse_inputs(self.cleaned_data["inputs"])


def report(modeladmin: admin.ModelAdmin, request, action: Action) -> None:
    """One message per action: the provider's answer, or its error with what to do next."""
    subject = f"{action.get_kind_display()} ({action.project}, {action.target})"
    if action.outcome == ActionOutcome.SUCCEEDED:
        link = (
            format_html(' <a href="{}">{}</a>', action.result_url, action.result_url)
            if action.result_url
            else ""
        )
        modeladmin.message_user(
            request, format_html("{}: {}.{}", subject, action.message, link), messages.SUCCESS
        )
    else:
        hint = f" {action.hint}." if action.hint else ""
        modeladmin.message_user(request, f"{subject} failed: {action.message}.{hint}", messages.ERROR)


class OperatorActionsMixin:
    def has_operate_permission(self, request) -> bool:
        return request.user.has_perm("operations.add_action")


admin.site.unregister(Run)


@admin.register(Run)
class OperatedRunAdmin(OperatorActionsMixin, RunAdmin):
    actions = (*RunAdmin.actions, "rerun_failed_jobs", "cancel_runs")

    @admin.action(description="Re-run the failed jobs of the selected runs", permissions=("operate",))
    def rerun_failed_jobs(self, request, queryset):
        for run in queryset.select_related("project"):
            report(
                self, request, actions.rerun(run, failed_only=True, user=request.user, via=ActionVia.ADMIN)
            )

    @admin.action(description="Cancel the selected runs", permissions=("operate",))
    def cancel_runs(self, request, queryset):
        for run in queryset.select_related("project"):
            report(self, request, actions.cancel(run, user=request.user, via=ActionVia.ADMIN))


admin.site.unregister(Project)


@admin.register(Project)
class OperatedProjectAdmin(OperatorActionsMixin, ProjectAdmin):
    actions = (*ProjectAdmin.actions, "trigger_workflow")

    @admin.action(description="Trigger a workflow for the selected projects", permissions=("operate",))
    def trigger_workflow(self, request, queryset):
        form = TriggerForm(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            data = form.cleaned_data
            for project in queryset:
                action = actions.trigger(
                    project,
                    workflow=data["workflow"],
                    ref=data["ref"] or project.default_branch,
                    inputs=data["inputs"],
                    user=request.user,
                    via=ActionVia.ADMIN,
                )
                report(self, request, action)
            return None
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Trigger a workflow",
            "action": "trigger_workflow",
            "form": form,
            "projects": queryset[:100],
            "selected": request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME),
        }
        return TemplateResponse(request, "admin/operations/trigger_form.html", context)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Action)
class ActionAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "project", "kind", "target", "actor", "via", "outcome", "message")
    list_filter = ("kind", "outcome", "via", "project")
    list_select_related = ("project",)
    search_fields = ("=target", "actor", "project__full_name")
    date_hierarchy = "created_at"
    show_full_result_count = False


@admin.register(JobLog)
class JobLogAdmin(ReadOnlyAdmin):
    list_display = ("job", "run", "state", "size", "truncated", "attempts", "fetched_at")
    list_filter = ("state", "truncated")
    list_select_related = ("job__run__project",)
    raw_id_fields = ("job",)
    fields = ("job", "run", "state", "size", "truncated", "attempts", "error", "fetched_at", "tail")
    readonly_fields = ("run", "tail")
    show_full_result_count = False

    @admin.display(description="Run")
    def run(self, job_log: JobLog) -> Run:
        return job_log.job.run

    @admin.display(description=f"Log (last {LOG_SHOWN // 1024} KiB)")
    def tail(self, job_log: JobLog) -> str:
        return format_html("<pre style='white-space: pre-wrap'>{}</pre>", job_log.text()[-LOG_SHOWN:])


@admin.register(RunCheck)
class RunCheckAdmin(ReadOnlyAdmin):
    """When reconciliation last asked the provider about a run, and its last error."""

    list_display = ("run", "checked_at", "checks", "error")
    list_select_related = ("run__project",)
    raw_id_fields = ("run",)
    show_full_result_count = False


@admin.register(Monitor)
class MonitorAdmin(admin.ModelAdmin):
    """Each project's poll for failed runs nobody reported: its settings, and how its last poll went."""

    list_display = (
        "project",
        "enabled",
        "lookback",
        "interval_minutes",
        "polled_at",
        "last_fed",
        "last_error",
    )
    list_filter = ("enabled",)
    list_select_related = ("project",)
    raw_id_fields = ("project",)
    readonly_fields = ("polled_at", "last_fed", "last_error")
    search_fields = ("project__full_name",)
