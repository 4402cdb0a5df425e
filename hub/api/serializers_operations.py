"""Operators' requests to a CI through the API, and the audit record each one answers with."""

from __future__ import annotations

from rest_framework import serializers

from hub.api.fields import Flag, OptionalURLField, Text, WholeNumber
from hub.operations.models import Action

MAX_INPUTS = 25  # GitHub's limit for workflow_dispatch inputs


class TriggerSerializer(serializers.Serializer):
    workflow = Text(
        max_length=1000,
        help_text="GitHub: the workflow's file (ci.yml), id or name; GitLab and CircleCI: see docs.",
    )
    ref = Text(
        max_length=255, required=False, help_text="Branch or tag; the project's default branch if left out."
    )
    inputs = serializers.DictField(
        child=Text(max_length=10_000, allow_blank=True),
        required=False,
        default=dict,
        help_text="Workflow inputs, pipeline variables or parameters (strings).",
    )

    # The names' rules in the API's description: OpenAPI 3.0 cannot describe a mapping's keys, but it can
    # refuse the one empty name; a name's length is bounded by the body's size (the provider refuses
    # names its workflow does not declare).
    schema_rules = {
        "allOf": [{"properties": {"inputs": {"maxProperties": MAX_INPUTS, "not": {"required": [""]}}}}]
    }

    def validate_inputs(self, value: dict) -> dict:
        if len(value) > MAX_INPUTS:
            raise serializers.ValidationError(f"At most {MAX_INPUTS} inputs.")
        if any(not key for key in value):
            raise serializers.ValidationError("An input's name cannot be empty.")
        return value


class RerunSerializer(serializers.Serializer):
    failed_only = Flag(default=False, help_text="Re-run only the failed jobs.")
    job = WholeNumber(required=False, min_value=1, help_text="The hub's id of one job of this run to re-run.")
    schema_rules = {
        "not": {"required": ["failed_only", "job"], "properties": {"failed_only": {"enum": [True]}}}
    }

    def validate(self, data: dict) -> dict:
        if data.get("failed_only") and data.get("job") is not None:
            raise serializers.ValidationError("Give failed_only or job, not both.")
        return data


class ActionSerializer(serializers.ModelSerializer):
    project = serializers.CharField(source="project.full_name", read_only=True)
    result_url = OptionalURLField(help_text="The new run or pipeline at the CI, when the provider named one.")

    class Meta:
        model = Action
        fields = (
            "id",
            "project",
            "run",
            "kind",
            "via",
            "actor",
            "target",
            "parameters",
            "outcome",
            "message",
            "hint",
            "provider_status",
            "result_run_id",
            "result_url",
            "created_at",
        )
        read_only_fields = fields
