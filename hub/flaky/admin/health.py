"""The flaky-tests page: verdicts (``TestHealth``) listed by impact, read-only, and a test's page with its
verdict, evidence, a bounded timeline of recent results (the history index, newest segment first, never a
COUNT over results) and its state changes. Changes go through the actions (``actions``).
"""

from __future__ import annotations

import json

from django import forms
from django.contrib import admin
from django.utils.html import format_html

from hub.flaky.admin.actions import mark_tests_fixed, quarantine_tests, unquarantine_tests
from hub.flaky.models import QuarantineEntry, StateChange, TestHealth
from hub.runs.admin import CappedCountPaginator, admin_link, results_table
from hub.runs.models import TestResult
from hub.runs.services import segments

TIMELINE_SHOWN = 100
STATE_CHANGES_SHOWN = 100


class HealthForm(forms.ModelForm):
    class Meta:
        model = TestHealth
        fields = ()


@admin.register(TestHealth)
class TestHealthAdmin(admin.ModelAdmin):
    """The flaky-tests page: verdicts by impact, read-only; changes go through the actions."""

    __test__ = False
    form = HealthForm
    list_display = (
        "test",
        "project",
        "state",
        "score_shown",
        "runs_affected",
        "pull_requests_affected",
        "time_lost_shown",
        "state_since",
    )
    list_filter = ("state", "project")
    list_select_related = ("test", "project")
    ordering = ("-runs_affected", "-pull_requests_affected", "-time_lost")
    search_fields = ("test__name", "test__classname")
    paginator = CappedCountPaginator
    show_full_result_count = False
    actions = (quarantine_tests, unquarantine_tests, mark_tests_fixed)
    change_form_template = "admin/flaky/testhealth/change_form.html"
    fieldsets = (
        (None, {"fields": ("test_link", "project", "state", "state_since", "quarantine_entry")}),
        (
            "Verdict",
            {"fields": ("score_shown", "confidence", "evidence_shown", "onset", "clean_runs_needed")},
        ),
        (
            "Signals",
            {
                "fields": (
                    ("runs", "failures", "flips"),
                    ("retry_flakes", "same_commit_flakes", "infra_failures"),
                    ("failure_streak", "clean_streak"),
                    "recent",
                    ("first_failure_at", "last_failure_at", "last_result_at"),
                )
            },
        ),
        ("Impact", {"fields": ("runs_affected", "pull_requests_affected", "time_lost_shown")}),
        ("Timeline", {"fields": ("timeline",)}),
        ("State changes", {"fields": ("state_changes",)}),
    )
    readonly_fields = (
        "test_link",
        "project",
        "state",
        "state_since",
        "quarantine_entry",
        "score_shown",
        "confidence",
        "evidence_shown",
        "onset",
        "clean_runs_needed",
        "runs",
        "failures",
        "flips",
        "retry_flakes",
        "same_commit_flakes",
        "infra_failures",
        "failure_streak",
        "clean_streak",
        "recent",
        "first_failure_at",
        "last_failure_at",
        "last_result_at",
        "runs_affected",
        "pull_requests_affected",
        "time_lost_shown",
        "timeline",
        "state_changes",
    )

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        extra = {
            "show_save": False,
            "show_save_and_continue": False,
            "flaky_actions": (
                ("quarantine_tests", "Quarantine"),
                ("unquarantine_tests", "Unquarantine"),
                ("mark_tests_fixed", "Mark fixed"),
            ),
            **(extra_context or {}),
        }
        return super().changeform_view(request, object_id, form_url, extra)

    @admin.display(description="test")
    def test_link(self, health: TestHealth) -> str:
        return admin_link(health.test)

    @admin.display(description="score", ordering="score")
    def score_shown(self, health: TestHealth) -> str:
        return f"{health.score:.1%}"

    @admin.display(description="confidence")
    def confidence(self, health: TestHealth) -> str:
        return f"{health.confidence_low:.1%} to {health.confidence_high:.1%}"

    @admin.display(description="CI time lost", ordering="time_lost")
    def time_lost_shown(self, health: TestHealth) -> str:
        minutes, seconds = divmod(int(health.time_lost), 60)
        return f"{minutes} min {seconds} s" if minutes else f"{seconds} s"

    @admin.display(description="evidence")
    def evidence_shown(self, health: TestHealth) -> str:
        return format_html(
            "<pre>{}</pre>", json.dumps(health.evidence, indent=2, ensure_ascii=False)[:20_000]
        )

    @admin.display(description="onset")
    def onset(self, health: TestHealth) -> str:
        if not health.onset_sha and not health.onset_run_id:
            return "-"
        run = admin_link(health.onset_run, f"run {health.onset_run_id}") if health.onset_run_id else ""
        return format_html("{} {}", health.onset_sha[:12], run)

    @admin.display(description="quarantine")
    def quarantine_entry(self, health: TestHealth) -> str:
        entry = QuarantineEntry.objects.active().filter(test_id=health.test_id).first()
        if entry is None:
            return "-"
        return format_html(
            "{}: {} (owner {}, expires {})",
            admin_link(entry, f"entry {entry.pk}"),
            entry.reason,
            entry.owner or "-",
            entry.expires_at or "never",
        )

    @admin.display(description=f"Recent results (last {TIMELINE_SHOWN})")
    def timeline(self, health: TestHealth) -> str:
        results = segments.newest_first(
            TestResult.objects.filter(test_id=health.test_id).select_related("run", "job"), health.project_id
        )[:TIMELINE_SHOWN]
        return results_table(
            results,
            ("Run", "Branch", "SHA", "PR", "Job", "Attempt", "Status", "Created"),
            lambda r: (
                admin_link(r.run, r.run.pk),
                r.run.branch,
                r.run.commit_sha[:10],
                r.run.pull_request or "",
                r.job.name,
                r.attempt,
                r.status,
                r.run.created_at,
            ),
        )

    @admin.display(description=f"State changes (last {STATE_CHANGES_SHOWN})")
    def state_changes(self, health: TestHealth) -> str:
        changes = (
            StateChange.objects.filter(test_id=health.test_id)
            .select_related("user")
            .order_by("-at", "-id")[:STATE_CHANGES_SHOWN]
        )
        return results_table(
            changes,
            ("When", "From", "To", "By", "Why"),
            lambda c: (c.at, c.from_state, c.to_state, c.actor, c.reason[:300]),
        )
