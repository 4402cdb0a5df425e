"""Operator pages for failure analysis: clusters with the tests they touch, each failure and each failed
job's category. Everything here is derived by the analysis, so it is read-only; lists use the capped
paginator of the runs admin and never count results."""

from __future__ import annotations

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from hub.failures.models import ClusterTest, Failure, FailureCluster, JobFailure
from hub.runs.admin import IngestedAdmin, admin_link, results_table

MEMBERS_SHOWN = 100


@admin.register(FailureCluster)
class FailureClusterAdmin(IngestedAdmin):
    list_display = ("id", "short_message", "category", "rule", "occurrences", "tests", "last_seen", "project")
    list_filter = ("category", "project")
    list_select_related = ("project",)
    search_fields = ("=fingerprint", "=id")
    search_help_text = "A cluster's id or fingerprint."
    sortable_by = ("id", "occurrences", "tests", "last_seen")
    raw_id_fields = ("project",)
    fields = (
        "project",
        "category",
        "rule",
        "normalised",
        "example",
        "fingerprint",
        "occurrences",
        "tests",
        "first_seen",
        "last_seen",
        "members_table",
    )
    readonly_fields = ("members_table",)

    @admin.display(description="Message", ordering="normalised")
    def short_message(self, cluster: FailureCluster) -> str:
        return cluster.normalised[:120]

    @admin.display(description="Tests")
    def members_table(self, cluster: FailureCluster) -> str:
        members = cluster.members.select_related("test").order_by("-last_seen", "-id")[:MEMBERS_SHOWN]
        url = reverse("admin:failures_clustertest_changelist") + f"?cluster__exact={cluster.pk}"
        table = results_table(
            members,
            ("Test", "Occurrences", "First seen", "Last seen"),
            lambda m: (admin_link(m.test), m.occurrences, m.first_seen, m.last_seen),
        )
        note = format_html(
            '<p>Most recently seen first, at most {}. <a href="{}">All tests of this cluster</a>.</p>',
            MEMBERS_SHOWN,
            url,
        )
        return format_html("{}{}", note, table)


@admin.register(ClusterTest)
class ClusterTestAdmin(IngestedAdmin):
    list_display = ("test", "cluster", "occurrences", "first_seen", "last_seen")
    list_select_related = ("test", "cluster")
    raw_id_fields = ("cluster", "test")
    sortable_by = ("occurrences", "last_seen")


@admin.register(Failure)
class FailureAdmin(IngestedAdmin):
    list_display = ("id", "test", "category", "rule", "classification", "cluster_link", "run_link", "job")
    list_filter = ("category", "classification")
    list_select_related = ("test", "run", "job", "cluster")
    raw_id_fields = ("result", "project", "run", "job", "test", "cluster")
    sortable_by = ("id",)

    @admin.display(description="Cluster")
    def cluster_link(self, failure: Failure) -> str:
        return admin_link(failure.cluster, failure.cluster_id) if failure.cluster_id else "-"

    @admin.display(description="Run")
    def run_link(self, failure: Failure) -> str:
        return admin_link(failure.run, failure.run_id)


@admin.register(JobFailure)
class JobFailureAdmin(IngestedAdmin):
    list_display = ("job", "category", "rule", "source", "cluster", "created_at")
    list_filter = ("category", "source")
    list_select_related = ("job", "cluster")
    raw_id_fields = ("job", "cluster")
    sortable_by = ("created_at",)
