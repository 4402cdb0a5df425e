"""Operator pages: fix jobs with their timeline, effects and agent runs (dead ones with their last error),
the actions to try again, cancel or approve a hand-off, and each project's policy edited as YAML with the
validation errors shown. The coding agent's pages are in ``agents/admin.py``."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages

from hub.response.agents.admin import AgentRunInline
from hub.response.models import Effect, FixJob, FixJobEvent, Policy
from hub.response.policy import schema, store
from hub.response.services import agent_runs, fix_jobs


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class EventInline(ReadOnlyInline):
    model = FixJobEvent
    fields = ("at", "from_state", "to_state", "reason", "actor", "detail")
    readonly_fields = fields


class EffectInline(ReadOnlyInline):
    model = Effect
    fields = ("key", "kind", "state", "external_id", "external_url", "detail", "updated_at")
    readonly_fields = fields


@admin.register(FixJob)
class FixJobAdmin(admin.ModelAdmin):
    list_display = ("created_at", "project", "responder", "key", "state", "attempts", "last_error")
    list_filter = ("state", "responder")
    search_fields = ("key", "project__full_name")
    show_full_result_count = False
    inlines = (EventInline, EffectInline, AgentRunInline)
    actions = ("try_again", "cancel", "approve")
    readonly_fields = [field.name for field in FixJob._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_operate_permission(self, request) -> bool:
        return request.user.has_perm("response.change_fixjob")

    @admin.action(description="Try again (attempts start over)", permissions=["operate"])
    def try_again(self, request, queryset) -> None:
        self._operate(request, queryset, fix_jobs.retry, "queued again")

    @admin.action(description="Cancel", permissions=["operate"])
    def cancel(self, request, queryset) -> None:
        self._operate(request, queryset, fix_jobs.cancel, "cancelled")

    @admin.action(description="Approve the hand-off to the coding agent", permissions=["operate"])
    def approve(self, request, queryset) -> None:
        self._operate(request, queryset, agent_runs.approve, "approved")

    def _operate(self, request, queryset, operation, done: str) -> None:
        actor = request.user.get_username()
        moved = sum(operation(job, actor) for job in queryset)
        skipped = queryset.count() - moved
        level = messages.SUCCESS if not skipped else messages.WARNING
        note = f"; {skipped} left as they were (their state does not allow it)" if skipped else ""
        self.message_user(request, f"{moved} fix job(s) {done}{note}.", level)


class PolicyForm(forms.ModelForm):
    text = forms.CharField(
        label="Policy (YAML or JSON)",
        widget=forms.Textarea(attrs={"rows": 30, "cols": 100, "style": "font-family: monospace"}),
        required=False,
        help_text="Keys left out take their defaults; see docs/policy.md for every key.",
    )

    class Meta:
        model = Policy
        fields = ("project",)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        document = store.shown(self.instance.document) if self.instance.pk else schema.defaults()
        self.fields["text"].initial = store.to_yaml(document) if document else ""

    def clean_text(self) -> dict:
        try:
            document = store.parse(self.cleaned_data["text"], yaml_text=True) or {}
        except store.PolicyInvalid as invalid:
            raise forms.ValidationError(invalid.errors) from invalid
        errors = schema.validate(document)
        if errors:
            raise forms.ValidationError(errors)
        return document


@admin.register(Policy)
class PolicyAdmin(admin.ModelAdmin):
    form = PolicyForm
    list_display = ("project", "version", "updated_at", "updated_by")
    search_fields = ("project__full_name",)
    readonly_fields = ("version", "updated_at", "updated_by")

    def get_readonly_fields(self, request, obj=None):
        return (*self.readonly_fields, "project") if obj else self.readonly_fields

    def save_model(self, request, obj, form, change) -> None:
        saved = store.save(obj.project, form.cleaned_data["text"], request.user)
        obj.pk, obj.version = saved.pk, saved.version
