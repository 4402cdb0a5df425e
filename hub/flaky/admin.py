"""Operator pages for flaky tests and the quarantine list.

The flaky-tests page lists verdicts (``TestHealth``) by impact: runs and pull requests affected, then CI
time lost. A test's page shows the verdict, its evidence, a bounded timeline of its recent results (the
``(test, -id)`` index, never a COUNT over results) and its state changes. Quarantine, unquarantine and
mark fixed are admin actions that go through ``hub.flaky.services.quarantine``, so the acting user is
recorded like any other change.
"""

from __future__ import annotations

import json
from datetime import datetime

from django import forms
from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.html import format_html

from hub.flaky.models import QuarantineEntry, StateChange, TestHealth
from hub.flaky.services import quarantine as service
from hub.runs.admin import CappedCountPaginator, admin_link, results_table
from hub.runs.models import TestResult

TIMELINE_SHOWN = 100
STATE_CHANGES_SHOWN = 100


class QuarantineActionForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3, "cols": 60}), max_length=2000)
    owner = forms.CharField(max_length=200, required=False, help_text="Who is fixing it: a person or team.")
    expires_at = forms.DateTimeField(
        required=False, help_text="YYYY-MM-DD HH:MM; empty: QUARANTINE_DAYS from now."
    )

    def clean_expires_at(self) -> datetime | None:
        value = self.cleaned_data["expires_at"]
        if value is not None and value <= timezone.now():
            raise forms.ValidationError("The expiry is in the past: give a future date.")
        return value


class ReasonForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3, "cols": 60}), max_length=2000)


def _confirm(modeladmin, request, queryset, *, action: str, title: str, form_class, apply):
    """The intermediate page of an action: ask for a reason (and more), then ``apply(health, data)`` to
    each selected test and report what happened."""
    form = form_class(request.POST if "apply" in request.POST else None)
    if "apply" in request.POST and form.is_valid():
        done, refused = 0, []
        for health in queryset.select_related("test"):
            try:
                apply(health, form.cleaned_data)
                done += 1
            except service.QuarantineError as exc:
                refused.append(str(exc))
        if done:
            modeladmin.message_user(request, f"{title}: {done} test(s).", messages.SUCCESS)
        for problem in refused[:20]:
            modeladmin.message_user(request, problem, messages.WARNING)
        return None
    context = {
        **modeladmin.admin_site.each_context(request),
        "opts": modeladmin.model._meta,
        "title": title,
        "action": action,
        "form": form,
        "healths": queryset.select_related("test")[:200],
        "selected": request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME),
    }
    return TemplateResponse(request, "admin/flaky/testhealth/action_form.html", context)


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
    actions = ("quarantine_tests", "unquarantine_tests", "mark_tests_fixed")
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
        results = (
            TestResult.objects.filter(test_id=health.test_id)
            .select_related("run", "job")
            .order_by("-id")[:TIMELINE_SHOWN]
        )
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

    @admin.action(description="Quarantine the selected tests", permissions=["change"])
    def quarantine_tests(self, request, queryset):
        return _confirm(
            self,
            request,
            queryset,
            action="quarantine_tests",
            title="Quarantine",
            form_class=QuarantineActionForm,
            apply=lambda health, data: service.quarantine(
                health.test,
                reason=data["reason"],
                owner=data["owner"],
                expires_at=data["expires_at"],
                user=request.user,
            ),
        )

    @admin.action(description="Take the selected tests out of quarantine", permissions=["change"])
    def unquarantine_tests(self, request, queryset):
        return _confirm(
            self,
            request,
            queryset,
            action="unquarantine_tests",
            title="Out of quarantine",
            form_class=ReasonForm,
            apply=lambda health, data: service.unquarantine(
                health.test, reason=data["reason"], user=request.user
            ),
        )

    @admin.action(description="Mark the selected tests fixed", permissions=["change"])
    def mark_tests_fixed(self, request, queryset):
        return _confirm(
            self,
            request,
            queryset,
            action="mark_tests_fixed",
            title="Marked fixed",
            form_class=ReasonForm,
            apply=lambda health, data: service.mark_fixed(
                health.test, reason=data["reason"], user=request.user
            ),
        )


class QuarantineStatusFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return (("active", "Active"), ("expired", "Expired, not yet closed"), ("removed", "Removed"))

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "active":
            return queryset.active(now)
        if self.value() == "expired":
            return queryset.filter(removed_at__isnull=True, expires_at__lte=now)
        if self.value() == "removed":
            return queryset.filter(removed_at__isnull=False)
        return queryset


class QuarantineEntryForm(forms.ModelForm):
    class Meta:
        model = QuarantineEntry
        fields = ("test", "reason", "owner", "expires_at")

    def clean_expires_at(self) -> datetime | None:
        value = self.cleaned_data["expires_at"]
        if value is not None and value <= timezone.now() and "expires_at" in self.changed_data:
            raise forms.ValidationError("The expiry is in the past: give a future date.")
        return value

    def clean(self):
        data = super().clean()
        test = data.get("test")
        if self.instance.pk is None and test is not None:
            open_entry = QuarantineEntry.objects.active().filter(test=test).first()
            if open_entry is not None:
                raise forms.ValidationError(f"{test} is already quarantined (entry {open_entry.pk}).")
        return data


@admin.register(QuarantineEntry)
class QuarantineEntryAdmin(admin.ModelAdmin):
    """The quarantine list. Adding goes through the service (the test's state moves, the user is kept);
    entries are never deleted, only removed (the action), so the history stays."""

    form = QuarantineEntryForm
    list_display = (
        "test",
        "project",
        "reason_shown",
        "owner",
        "automatic",
        "created_by",
        "created_at",
        "expires_at",
        "removed_at",
    )
    list_filter = (QuarantineStatusFilter, "automatic", "project")
    list_select_related = ("test", "project", "created_by")
    search_fields = ("test__name", "test__classname", "owner", "reason")
    raw_id_fields = ("test",)
    actions = ("remove_entries",)
    paginator = CappedCountPaginator
    show_full_result_count = False

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        return (
            "test",
            "project",
            "automatic",
            "created_by",
            "created_at",
            "removed_at",
            "removed_by",
            "removed_reason",
        )

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("test", "reason", "owner", "expires_at")
        return (
            "test",
            "project",
            "reason",
            "owner",
            "expires_at",
            "automatic",
            "created_by",
            "created_at",
            "removed_at",
            "removed_by",
            "removed_reason",
        )

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        entry = service.quarantine(
            obj.test, reason=obj.reason, owner=obj.owner, expires_at=obj.expires_at, user=request.user
        )
        obj.pk, obj.project_id, obj.created_by, obj.created_at = (
            entry.pk,
            entry.project_id,
            entry.created_by,
            entry.created_at,
        )
        obj.expires_at = entry.expires_at
        obj._state.adding = False

    @admin.display(description="reason")
    def reason_shown(self, entry: QuarantineEntry) -> str:
        return entry.reason if len(entry.reason) <= 120 else entry.reason[:119] + "…"

    @admin.action(description="Remove the selected entries (tests go back to their earlier state)")
    def remove_entries(self, request, queryset):
        removed = 0
        for entry in queryset.filter(removed_at__isnull=True).select_related("test"):
            try:
                service.unquarantine(
                    entry, reason=f"removed in the admin by {request.user}", user=request.user
                )
                removed += 1
            except service.QuarantineError as exc:
                self.message_user(request, str(exc), messages.WARNING)
        self.message_user(request, f"Removed {removed} entries.", messages.SUCCESS)
