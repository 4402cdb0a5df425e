"""The admin's *Project metrics* page: each project's figures for the current ISO week, read-only.

The same service as the API (``services.weekly``), one project per row; a project's page in the API
(``/api/v1/projects/{id}/metrics?weeks=N``) has the earlier weeks.
"""

from __future__ import annotations

from django.contrib import admin

from hub.metrics import services
from hub.metrics.models import ProjectMetrics


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


@admin.register(ProjectMetrics)
class ProjectMetricsAdmin(admin.ModelAdmin):
    list_display = ("full_name", "detection", "rerun_success", "median_resolution", "false_positive_rate",
                    "loop", "broke_something")  # fmt: skip
    search_fields = ("full_name",)
    list_per_page = 25

    def _week(self, project: ProjectMetrics) -> dict:
        cached = getattr(project, "_this_week", None)
        if cached is None:
            cached = project._this_week = services.weekly(project, 1)[0]
        return cached

    @admin.display(description="failure detection (this week)")
    def detection(self, project: ProjectMetrics) -> str:
        figures = self._week(project)["failure_detection"]
        return f"{_percent(figures['rate'])} of {figures['failed_runs']}"

    @admin.display(description="response success")
    def rerun_success(self, project: ProjectMetrics) -> str:
        responders = self._week(project)["response_success"]
        return (
            ", ".join(f"{name} {_percent(c['rate'])} of {c['finished']}" for name, c in responders.items())
            or "-"
        )

    @admin.display(description="median time to resolution")
    def median_resolution(self, project: ProjectMetrics) -> str:
        figures = self._week(project)["time_to_resolution"]
        seconds = figures["median_seconds"]
        return "-" if seconds is None else f"{seconds / 60:.0f} min ({figures['resolved']} resolved)"

    @admin.display(description="false positives")
    def false_positive_rate(self, project: ProjectMetrics) -> str:
        figures = self._week(project)["false_positives"]
        return (
            f"{_percent(figures['rate'])} of {figures['reruns_finished']} re-run(s) and "
            f"{figures['issues_closed']} issue(s) closed ({figures['closed_as_not_a_problem']} not a problem)"
        )

    @admin.display(description="the loop (this week's failed runs)")
    def loop(self, project: ProjectMetrics) -> str:
        figures = self._week(project)["loop"]
        p50, p90 = figures["red_to_merged_p50_seconds"], figures["red_to_merged_p90_seconds"]
        merged = "" if p50 is None else f"; red to merged p50 {p50 / 60:.0f} min, p90 {p90 / 60:.0f} min"
        return (
            f"{figures['failures_seen']} failed run(s): {figures['responded']} responded, "
            f"{figures['fixed']} fixed, {figures['merged']} merged{merged}"
        )

    @admin.display(description="merged fixes that broke something; wasted re-runs")
    def broke_something(self, project: ProjectMetrics) -> str:
        figures = self._week(project)["loop"]
        return (
            f"{figures['fixes_that_broke_something']} of {figures['fixes_judged']} judged "
            f"({figures['fixes_merged']} merged); {figures['reruns_wasted']} re-run(s) wasted"
        )

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
