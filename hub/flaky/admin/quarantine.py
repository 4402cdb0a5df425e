"""The quarantine list. Adding goes through ``hub.flaky.services.quarantine`` (the test's state moves, the
user is kept); entries are never deleted, only removed (the action), so the history stays.
"""

from __future__ import annotations

from datetime import datetime

from django import forms
from django.contrib import admin, messages
from django.utils import timezone

from hub.flaky.models import QuarantineEntry
from hub.flaky.services import quarantine as service
from hub.runs.admin import CappedCountPaginator


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
