"""Operator pages for webhook deliveries: what arrived, what became of it, and a replay action.

Deliveries are evidence: nothing here edits them. The body is shown decompressed and bounded, so an
operator can see why a delivery failed; replay runs processing again from the stored body.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.html import format_html

from hub.runs.admin import CappedCountPaginator
from hub.webhooks.models import Delivery, DeliveryStatus
from hub.webhooks.services import processing

BODY_SHOWN = 64 * 1024


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ("received_at", "provider", "event", "action", "status", "project", "attempts")
    list_filter = ("provider", "status")  # choices only: no DISTINCT scan of a big table
    list_select_related = ("project",)
    search_fields = ("=delivery_id", "=event", "project__full_name")
    date_hierarchy = "received_at"
    paginator = CappedCountPaginator
    show_full_result_count = False
    actions = ("replay",)
    fields = (
        "provider",
        "delivery_id",
        "event",
        "action",
        "project",
        "status",
        "error",
        "attempts",
        "received_at",
        "processed_at",
        "body_size",
        "headers",
        "body_excerpt",
    )
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description="body")
    def body_excerpt(self, obj: Delivery):
        raw = obj.raw_body()
        shown = raw[:BODY_SHOWN].decode("utf-8", errors="replace")
        more = f"\n… ({len(raw) - BODY_SHOWN} more bytes)" if len(raw) > BODY_SHOWN else ""
        return format_html(
            "<pre style='white-space: pre-wrap; max-height: 40em; overflow: auto'>{}{}</pre>", shown, more
        )

    def has_replay_permission(self, request) -> bool:
        return request.user.has_perm("webhooks.change_delivery")

    @admin.action(description="Replay: process the selected deliveries again", permissions=("replay",))
    def replay(self, request, queryset):
        outcomes = processing.replay(queryset.values_list("pk", flat=True))
        summary = ", ".join(f"{count} {status}" for status, count in sorted(outcomes.items()))
        level = messages.WARNING if outcomes[DeliveryStatus.FAILED] else messages.SUCCESS
        self.message_user(request, f"Replayed: {summary or 'nothing selected'}.", level)
