"""Coding-agent runs and operators' tasks as the API shows and takes them."""

from __future__ import annotations

from rest_framework import serializers
from rest_framework.fields import ProhibitNullCharactersValidator

from hub.api.fields import Text, WholeNumber
from hub.response.agents.models import AgentRun, Priority, Task
from hub.runs.services.storable import storable_text


class AgentRunSerializer(serializers.ModelSerializer):
    class Meta:
        model = AgentRun
        fields = (
            "id", "attempt", "strategy", "adapter", "external_id", "web_url", "state", "status_word",
            "pull_request_url", "summary", "prompt_bytes", "polls", "created_at", "finished_at",
        )  # fmt: skip
        read_only_fields = fields


class ValidationSerializer(serializers.Serializer):
    run = serializers.IntegerField(help_text="The hub's latest CI run of the pull request.")
    status = serializers.CharField()
    conclusion = serializers.CharField(allow_null=True)
    url = serializers.URLField(allow_null=True)


class StoredText(Text):
    """Free text kept as the hub keeps all its input: NUL and lone surrogates become U+FFFD (PostgreSQL
    holds neither), so any JSON string the schema allows is taken, on every database."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.validators = [v for v in self.validators if not isinstance(v, ProhibitNullCharactersValidator)]

    def to_internal_value(self, data) -> str:
        return storable_text(super().to_internal_value(data))


class TaskRequestSerializer(serializers.Serializer):
    project = WholeNumber(min_value=1, help_text="The project's id (you must own it).")
    title = StoredText(min_length=1, max_length=200)
    description = StoredText(min_length=1, max_length=20000, help_text="What the agent should do, and why.")
    requirements = StoredText(max_length=20000, required=False, allow_blank=True, default="")
    acceptance_criteria = StoredText(max_length=20000, required=False, allow_blank=True, default="")
    priority = serializers.ChoiceField(choices=Priority.choices, required=False, default=Priority.NORMAL)


class TaskSerializer(serializers.ModelSerializer):
    """A task with its progress: its fix job's state and last step, the pull request, its validation and
    the merge decision on it."""

    project = serializers.CharField(source="project.full_name", read_only=True)
    created_by = serializers.SerializerMethodField()
    state = serializers.CharField(source="progress.state", read_only=True)
    current_step = serializers.CharField(source="progress.current_step", read_only=True)
    pull_request_url = serializers.CharField(source="progress.pull_request_url", read_only=True)
    agent_runs = serializers.IntegerField(source="progress.agent_runs", read_only=True)
    validation = ValidationSerializer(source="progress.validation", read_only=True, allow_null=True)
    merge_decision = serializers.CharField(
        source="progress.merge_decision", read_only=True,
        help_text="The last merge decision on the pull request and its reasons; empty before one.",
    )  # fmt: skip

    class Meta:
        model = Task
        fields = (
            "id", "project", "title", "description", "requirements", "acceptance_criteria", "priority",
            "created_by", "created_at", "fix_job", "state", "current_step", "pull_request_url", "agent_runs",
            "validation", "merge_decision",
        )  # fmt: skip
        read_only_fields = fields

    def get_created_by(self, task: Task) -> str:
        return task.created_by.get_username() if task.created_by else ""
