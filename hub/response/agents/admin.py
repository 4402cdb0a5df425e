"""Operator pages for the coding-agent hand-off: each project's agent connection (its secret written,
never shown), tasks with their progress and the actions to retry or cancel them, and agent runs."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages

from hub.response.agents import prompt
from hub.response.agents.models import AgentConnection, AgentRun, Task
from hub.response.services import agent_tasks, fix_jobs


class AgentConnectionForm(forms.ModelForm):
    api_url = forms.URLField(
        required=False,
        max_length=2000,
        assume_scheme="https",
        help_text=AgentConnection._meta.get_field("api_url").help_text,
    )
    secret = forms.CharField(
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text="The Codegen API token, or the generic agent's HMAC secret. Stored encrypted, never shown; "
        "leave empty to keep the one stored.",
    )
    clear_secret = forms.BooleanField(required=False, help_text="Remove the stored secret.")

    class Meta:
        model = AgentConnection
        fields = ("project", "api_url", "prompt_template")

    def clean_prompt_template(self) -> str:
        text = self.cleaned_data["prompt_template"]
        errors = prompt.template_errors(text) if text else []
        if errors:
            raise forms.ValidationError(errors)
        return text

    def save(self, commit: bool = True) -> AgentConnection:
        connection = super().save(commit=False)
        if self.cleaned_data.get("clear_secret"):
            connection.set_secret("")
        elif self.cleaned_data.get("secret"):
            connection.set_secret(self.cleaned_data["secret"])
        if commit:
            connection.save()
        return connection


@admin.register(AgentConnection)
class AgentConnectionAdmin(admin.ModelAdmin):
    form = AgentConnectionForm
    list_display = ("project", "api_url", "has_secret", "updated_at")
    search_fields = ("project__full_name",)

    @admin.display(boolean=True, description="secret set")
    def has_secret(self, obj: AgentConnection) -> bool:
        return bool(obj.secret_encrypted)


class AgentRunInline(admin.TabularInline):
    model = AgentRun
    extra = 0
    can_delete = False
    fields = ("attempt", "strategy", "external_id", "state", "status_word", "pull_request_url", "web_url",
              "created_at", "finished_at")  # fmt: skip
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Task)
class TaskAdmin(admin.ModelAdmin):
    list_display = ("created_at", "project", "title", "priority", "state", "pull_request")
    list_filter = ("priority",)
    search_fields = ("title", "project__full_name")
    readonly_fields = ("created_by", "fix_job", "created_at", "state", "current_step", "pull_request",
                       "validation", "merge_decision")  # fmt: skip
    actions = ("try_again", "cancel")

    def get_readonly_fields(self, request, obj=None):
        fields = ("project", "title", "description", "requirements", "acceptance_criteria", "priority")
        return (*self.readonly_fields, *fields) if obj else self.readonly_fields

    def save_model(self, request, obj: Task, form, change) -> None:
        if change:
            return
        fields = {name: form.cleaned_data[name] for name in
                  ("title", "description", "requirements", "acceptance_criteria", "priority")}  # fmt: skip
        try:
            created = agent_tasks.create(form.cleaned_data["project"], fields, request.user)
        except agent_tasks.TaskRefused as refused:
            self.message_user(request, str(refused), messages.ERROR)
            return
        obj.pk = created.pk

    def _progress(self, obj: Task) -> agent_tasks.Progress | None:
        return agent_tasks.progress(obj) if obj.pk else None

    @admin.display(description="state")
    def state(self, obj: Task) -> str:
        return getattr(self._progress(obj), "state", "")

    @admin.display(description="current step")
    def current_step(self, obj: Task) -> str:
        return getattr(self._progress(obj), "current_step", "")

    @admin.display(description="pull request")
    def pull_request(self, obj: Task) -> str:
        return getattr(self._progress(obj), "pull_request_url", "")

    @admin.display(description="validation")
    def validation(self, obj: Task) -> str:
        found = getattr(self._progress(obj), "validation", None)
        return f"run {found['run']}: {found['conclusion'] or found['status']}" if found else "no CI run yet"

    @admin.display(description="merge decision")
    def merge_decision(self, obj: Task) -> str:
        return getattr(self._progress(obj), "merge_decision", "") or "none yet"

    @admin.action(description="Try again (failed or dead tasks)")
    def try_again(self, request, queryset) -> None:
        self._operate(request, queryset, fix_jobs.retry, "queued again")

    @admin.action(description="Cancel")
    def cancel(self, request, queryset) -> None:
        self._operate(request, queryset, fix_jobs.cancel, "cancelled")

    def _operate(self, request, queryset, operation, done: str) -> None:
        actor = request.user.get_username()
        moved = sum(operation(task.fix_job, actor) for task in queryset if task.fix_job is not None)
        skipped = queryset.count() - moved
        note = f"; {skipped} left as they were (their state does not allow it)" if skipped else ""
        self.message_user(
            request, f"{moved} task(s) {done}{note}.", messages.SUCCESS if not skipped else messages.WARNING
        )
