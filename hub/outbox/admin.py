"""Operator pages for owed work: what is still owed, what died and why, and an action to try again."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db import transaction
from django.utils import timezone

from hub.outbox.models import OwedWork, WorkState
from hub.outbox.services.announce import enqueue


@admin.register(OwedWork)
class OwedWorkAdmin(admin.ModelAdmin):
    list_display = ("created_at", "topic", "subject_id", "consumer", "state", "attempts", "due_at", "done_at")
    list_filter = ("state", "topic")
    search_fields = ("=subject_id",)
    show_full_result_count = False
    actions = ("try_again",)
    readonly_fields = [field.name for field in OwedWork._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_retry_permission(self, request) -> bool:
        return request.user.has_perm("outbox.change_owedwork")

    @admin.action(description="Try again now (attempts start over)", permissions=["retry"])
    def try_again(self, request, queryset) -> None:
        now = timezone.now()
        with transaction.atomic():
            ids = list(queryset.exclude(state=WorkState.DONE).values_list("pk", flat=True))
            OwedWork.objects.filter(pk__in=ids).update(
                state=WorkState.OWED, attempts=0, due_at=now, enqueued_at=now, claimed_until=None
            )
            transaction.on_commit(lambda: enqueue(ids))
        self.message_user(request, f"{len(ids)} owed work item(s) queued again.", messages.SUCCESS)
