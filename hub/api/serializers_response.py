"""Fix jobs and project policies as the API shows them."""

from __future__ import annotations

from rest_framework import serializers

from hub.api.serializers_agents import AgentRunSerializer
from hub.response.models import Effect, FixJob, FixJobEvent, Policy
from hub.response.policy import store


class FixJobEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = FixJobEvent
        fields = ("from_state", "to_state", "reason", "detail", "actor", "at")


class EffectSerializer(serializers.ModelSerializer):
    class Meta:
        model = Effect
        fields = ("key", "kind", "state", "external_id", "external_url", "detail", "created_at", "updated_at")


class FixJobSerializer(serializers.ModelSerializer):
    project = serializers.CharField(source="project.full_name", read_only=True)

    class Meta:
        model = FixJob
        fields = (
            "id", "project", "run", "job", "test", "cluster", "responder", "key", "state", "reason",
            "attempts", "max_attempts", "next_attempt_at", "last_error", "created_at", "updated_at",
        )  # fmt: skip


class FixJobDetailSerializer(FixJobSerializer):
    events = FixJobEventSerializer(many=True, read_only=True)
    effects = EffectSerializer(many=True, read_only=True)
    agent_runs = AgentRunSerializer(many=True, read_only=True)

    class Meta(FixJobSerializer.Meta):
        fields = (*FixJobSerializer.Meta.fields, "events", "effects", "agent_runs")


class PolicySerializer(serializers.Serializer):
    project = serializers.CharField(help_text="OWNER/NAME.")
    version = serializers.IntegerField(help_text="0 while the project has none (the defaults apply).")
    updated_at = serializers.DateTimeField(allow_null=True)
    updated_by = serializers.CharField(allow_blank=True)
    document = serializers.DictField(help_text="The policy as written; keys left out take their defaults.")
    effective = serializers.DictField(help_text="Every key, with the defaults filled in.")

    @staticmethod
    def describe(project, policy: Policy | None, effective: dict) -> dict:
        return {
            "project": project.full_name,
            "version": policy.version if policy else 0,
            "updated_at": policy.updated_at if policy else None,
            "updated_by": policy.updated_by.get_username() if policy and policy.updated_by else "",
            "document": store.shown(policy.document) if policy else {},
            "effective": store.shown(effective),
        }
