"""Operator pages for ingested data: runs, tests, results and uploads, read-only and fast on big tables.

Ingested rows are evidence, so nothing here edits or deletes them (a cascade over a million results
would also hang the confirmation page). Lists never count a whole table: a capped paginator counts at
most ``CappedCountPaginator.cap`` rows and the "N total" link is off. Every page showing results
bounds them (failures of a run, last results of a test).
"""

from __future__ import annotations

from django.contrib import admin
from django.core.paginator import Paginator
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.html import format_html, format_html_join

from hub.runs.durations import human_duration
from hub.runs.models import Job, ResultStatus, Run, Test, TestResult, Upload
from hub.runs.services import segments

FAILED_TESTS_SHOWN = 200
HISTORY_SHOWN = 100


class CappedCountPaginator(Paginator):
    """Counts at most ``cap`` rows (``SELECT COUNT(*) FROM (... LIMIT cap)``), never the whole table.

    Past the cap the last page link stops there; operators filter or search to go further.
    """

    cap = 10_000

    @cached_property
    def count(self) -> int:
        return self.object_list[: self.cap].count()


class RecentValuesFilter(admin.SimpleListFilter):
    """Choices taken from the newest ``sample`` runs, so the filter never scans the table for DISTINCT."""

    field = ""
    sample = 1000
    shown = 50

    def lookups(self, request, model_admin):
        recent = Run.objects.order_by("-created_at").values_list(self.field, flat=True)[: self.sample]
        values = sorted({value for value in recent if value})[: self.shown]
        return [(value, value) for value in values]

    def queryset(self, request, queryset):
        value = self.value()
        return queryset.filter(**{self.field: value}) if value else queryset


class BranchFilter(RecentValuesFilter):
    title = "branch (recent)"
    parameter_name = field = "branch"


class EventFilter(RecentValuesFilter):
    title = "event (recent)"
    parameter_name = field = "event"


class ResultRunFilter(admin.SimpleListFilter):
    """A run's results, through its jobs: results have no index on run, only on (job).

    Reached from a run's page (``?run=ID``); its only choice is the run asked for, so the filter lists
    nothing when unused and never reads the runs table for choices."""

    title = "run"
    parameter_name = "run"

    def lookups(self, request, model_admin):
        value = self.value()
        return [(value, f"run {value}")] if value else []

    def queryset(self, request, queryset):
        value = self.value()
        return queryset.filter(job__run_id=value) if value else queryset


class IngestedAdmin(admin.ModelAdmin):
    """Read-only, capped-count pages for rows written by ingest."""

    paginator = CappedCountPaginator
    show_full_result_count = False

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


def admin_link(obj, text=None) -> str:
    meta = obj._meta
    url = reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])
    return format_html('<a href="{}">{}</a>', url, text if text is not None else obj)


def results_table(results, columns: tuple[str, ...], row) -> str:
    """An admin-styled table of ``results``; ``row(result)`` returns the cells for ``columns``."""
    head = format_html_join("", "<th>{}</th>", ((column,) for column in columns))
    body = format_html_join(
        "",
        "<tr>{}</tr>",
        ((format_html_join("", "<td>{}</td>", ((cell,) for cell in row(result))),) for result in results),
    )
    return format_html("<table><thead><tr>{}</tr></thead><tbody>{}</tbody></table>", head, body)


class JobInline(admin.TabularInline):
    model = Job
    fields = ("name", "status", "conclusion", "tests", "passed", "failed", "errors", "skipped", "flaky")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Run)
class RunAdmin(IngestedAdmin):
    list_display = (
        "id",
        "project",
        "provider_run_id",
        "attempt",
        "branch",
        "short_sha",
        "event",
        "status",
        "conclusion",
        "tests",
        "failed",
        "created_at",
    )
    list_filter = ("status", "conclusion", "provider", BranchFilter, EventFilter, "project")
    list_select_related = ("project",)
    search_fields = ("^commit_sha", "=provider_run_id", "^branch")
    search_help_text = "A commit SHA prefix, a branch prefix, the provider's run id or the hub's run id."
    date_hierarchy = "created_at"
    raw_id_fields = ("project",)
    inlines = (JobInline,)
    fieldsets = (
        (None, {"fields": ("project", "provider", "provider_run_id", "attempt", "run_number", "workflow")}),
        ("Source", {"fields": ("event", "branch", "base_branch", "commit_sha", "pull_request", "url")}),
        (
            "State",
            {"fields": ("status", "conclusion", "started_at", "finished_at", "from_provider", "created_at")},
        ),
        ("Counts", {"fields": ("tests", "passed", "failed", "errors", "skipped", "flaky", "total_duration")}),
        ("Failed tests", {"fields": ("failed_tests",)}),
    )
    readonly_fields = ("failed_tests", "total_duration")

    @admin.display(description="duration")
    def total_duration(self, run: Run) -> str:
        return human_duration(run.duration)

    @admin.display(description="SHA", ordering="commit_sha")
    def short_sha(self, run: Run) -> str:
        return run.commit_sha[:10]

    @admin.display(description="Failed tests")
    def failed_tests(self, run: Run) -> str:
        failures = (
            TestResult.objects.filter(job__run=run, status__in=(ResultStatus.FAILED, ResultStatus.ERROR))
            .select_related("test", "job")
            .order_by("id")[:FAILED_TESTS_SHOWN]
        )
        url = reverse("admin:runs_testresult_changelist") + f"?{ResultRunFilter.parameter_name}={run.pk}"
        table = results_table(
            failures,
            ("Test", "Job", "Attempt", "Status", "Message"),
            lambda r: (admin_link(r.test), r.job.name, r.attempt, r.status, r.message[:200]),
        )
        note = format_html(
            '<p>Failures and errors, first {} in report order. <a href="{}">All results of this run</a>.</p>',
            FAILED_TESTS_SHOWN,
            url,
        )
        return format_html("{}{}", note, table)

    def get_search_results(self, request, queryset, search_term):
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        term = search_term.strip()
        if term.isdigit():
            results |= queryset.filter(pk=int(term))
        return results, may_have_duplicates


@admin.register(Test)
class TestAdmin(IngestedAdmin):
    list_display = ("__str__", "project", "file", "created_at")
    list_filter = ("project",)
    list_select_related = ("project",)
    search_fields = ("name", "classname", "file")
    raw_id_fields = ("project",)
    fields = ("project", "suite", "classname", "name", "file", "key_hex", "created_at", "history")
    readonly_fields = ("key_hex", "history")

    @admin.display(description=f"History (last {HISTORY_SHOWN} results)")
    def history(self, test: Test) -> str:
        results = segments.newest_first(
            TestResult.objects.filter(test=test).select_related("run", "job"), test.project
        )[:HISTORY_SHOWN]
        return results_table(
            results,
            ("Run", "Branch", "SHA", "Job", "Attempt", "Status", "Duration", "Created"),
            lambda r: (
                admin_link(r.run, r.run.pk),
                r.run.branch,
                r.run.commit_sha[:10],
                r.job.name,
                r.attempt,
                r.status,
                human_duration(r.duration),
                r.run.created_at,
            ),
        )


@admin.register(TestResult)
class TestResultAdmin(IngestedAdmin):
    list_display = ("id", "test", "status", "attempt", "final", "took", "run_link", "job")
    list_filter = ("status", "final", ResultRunFilter)
    list_select_related = ("test", "run", "job")
    raw_id_fields = ("run", "job", "upload", "test")
    sortable_by = ("id",)  # sorting a million rows by an unindexed column would scan them all
    fields = (
        "test",
        "run",
        "job",
        "upload",
        "attempt",
        "final",
        "status",
        "took",
        "failure_type",
        "message",
        "trace",
        "output",
    )

    readonly_fields = ("took",)

    @admin.display(description="duration")
    def took(self, result: TestResult) -> str:
        return human_duration(result.duration)

    @admin.display(description="run")
    def run_link(self, result: TestResult) -> str:
        return admin_link(result.run, result.run_id)


@admin.register(Upload)
class UploadAdmin(IngestedAdmin):
    list_display = ("id", "project", "run", "job", "source", "results", "received_at")
    list_filter = ("source",)
    list_select_related = ("project", "run__project", "job")
    raw_id_fields = ("project", "run", "job")
    search_fields = ("=idempotency_key", "^content_sha256")
    fields = (
        "project",
        "run",
        "job",
        "source",
        "idempotency_key",
        "content_sha256",
        "results",
        "files",
        "received_at",
    )
