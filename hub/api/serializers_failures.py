"""How failure clusters and a run's analysed failures look in the read API.

Every field is listed; counts are the ones kept by the analysis, never computed from results here.
"""

from __future__ import annotations

from rest_framework import serializers

from hub.api.serializers import TestIdentitySerializer
from hub.failures.models import ClusterTest, Failure, FailureCluster

MESSAGE_EXCERPT = 500


class ClusterSerializer(serializers.ModelSerializer):
    project = serializers.SlugRelatedField(slug_field="full_name", read_only=True, help_text="OWNER/NAME.")
    tests = serializers.IntegerField(read_only=True, help_text="Distinct tests it has touched.")

    class Meta:
        model = FailureCluster
        fields = (
            "id",
            "project",
            "category",
            "rule",
            "normalised",
            "example",
            "fingerprint",
            "occurrences",
            "tests",
            "first_seen",
            "last_seen",
        )
        read_only_fields = fields


class ClusterMemberSerializer(serializers.ModelSerializer):
    test = TestIdentitySerializer(read_only=True)

    class Meta:
        model = ClusterTest
        fields = ("test", "occurrences", "first_seen", "last_seen")
        read_only_fields = fields


class ClusterDetailSerializer(ClusterSerializer):
    members = ClusterMemberSerializer(
        many=True,
        read_only=True,
        source="recent_members",
        help_text="The tests it touched, most recently seen first (at most 100; `tests` has the count).",
    )

    class Meta(ClusterSerializer.Meta):
        fields = (*ClusterSerializer.Meta.fields, "members")
        read_only_fields = fields


class RunFailureSerializer(serializers.ModelSerializer):
    test = TestIdentitySerializer(read_only=True)
    job_name = serializers.CharField(source="job.name", read_only=True)
    status = serializers.CharField(source="result.status", read_only=True, help_text="failed or error.")
    failure_type = serializers.CharField(source="result.failure_type", read_only=True)
    message = serializers.SerializerMethodField(help_text=f"The first {MESSAGE_EXCERPT} characters.")

    class Meta:
        model = Failure
        fields = (
            "id",
            "result",
            "test",
            "job",
            "job_name",
            "status",
            "category",
            "rule",
            "cluster",
            "classification",
            "failure_type",
            "message",
        )
        read_only_fields = fields

    def get_message(self, failure: Failure) -> str:
        return (failure.result.message or "")[:MESSAGE_EXCERPT]
