"""How projects, runs, jobs, tests and results look in the read API.

Every field is listed (never ``__all__``), so a new model column stays private until someone decides it
belongs in the API. Counts come from the columns kept at ingest; nothing here counts result rows.
"""

from __future__ import annotations

from rest_framework import serializers

from hub.api.fields import OptionalURLField
from hub.projects.models import Project
from hub.runs.models import Job, Run, Test, TestResult

COUNT_FIELDS = ("tests", "passed", "failed", "errors", "skipped", "flaky", "duration")
MILLISECOND = 3  # decimal places of a duration in seconds
RESULT_DURATION = "Seconds, to the millisecond; null when the report gave none."


class SecondsField(serializers.FloatField):
    """A duration in seconds, rounded to the millisecond: reports give more digits than any clock here
    measures, and sums of floats add noise (``89.67280000000001``)."""

    def to_representation(self, value):
        return round(float(value), MILLISECOND)


class CountsSerializer(serializers.Serializer):
    """The outcome totals stored on a run or a job (final attempts only; ``flaky`` passed on a retry)."""

    tests = serializers.IntegerField(read_only=True)
    passed = serializers.IntegerField(read_only=True)
    failed = serializers.IntegerField(read_only=True)
    errors = serializers.IntegerField(read_only=True)
    skipped = serializers.IntegerField(read_only=True)
    flaky = serializers.IntegerField(read_only=True)
    duration = SecondsField(read_only=True, help_text="Sum of test durations, seconds (to the millisecond).")


class ProjectSerializer(serializers.ModelSerializer):
    server_url = OptionalURLField(help_text="A self-hosted provider's base URL; null for the public service.")

    class Meta:
        model = Project
        fields = ("id", "full_name", "provider", "server_url", "default_branch", "created_at")
        read_only_fields = fields


class JobSerializer(serializers.ModelSerializer):
    url = OptionalURLField(help_text="The job's page at the CI; null when the report gave none.")
    counts = CountsSerializer(source="*", read_only=True)

    class Meta:
        model = Job
        fields = (
            "id",
            "name",
            "provider_job_id",
            "url",
            "status",
            "conclusion",
            "started_at",
            "finished_at",
            "created_at",
            "counts",
        )
        read_only_fields = fields


class RunSerializer(serializers.ModelSerializer):
    project = serializers.SlugRelatedField(slug_field="full_name", read_only=True, help_text="OWNER/NAME.")
    url = OptionalURLField(help_text="The run's page at the CI; null when the report gave none.")
    counts = CountsSerializer(source="*", read_only=True)

    class Meta:
        model = Run
        fields = (
            "id",
            "project",
            "provider",
            "provider_run_id",
            "attempt",
            "run_number",
            "workflow",
            "event",
            "branch",
            "base_branch",
            "commit_sha",
            "pull_request",
            "status",
            "conclusion",
            "url",
            "started_at",
            "finished_at",
            "created_at",
            "counts",
        )
        read_only_fields = fields


class RunDetailSerializer(RunSerializer):
    jobs = JobSerializer(many=True, read_only=True)

    class Meta(RunSerializer.Meta):
        fields = (*RunSerializer.Meta.fields, "jobs")
        read_only_fields = fields


class TestIdentitySerializer(serializers.ModelSerializer):
    """What identifies a test across runs; embedded in each result."""

    class Meta:
        model = Test
        fields = ("id", "suite", "classname", "name", "file")
        read_only_fields = fields


class TestSerializer(serializers.ModelSerializer):
    project = serializers.SlugRelatedField(slug_field="full_name", read_only=True, help_text="OWNER/NAME.")

    class Meta:
        model = Test
        fields = ("id", "project", "suite", "classname", "name", "file", "created_at")
        read_only_fields = fields


class ResultSerializer(serializers.ModelSerializer):
    test = TestIdentitySerializer(read_only=True)
    job_name = serializers.CharField(source="job.name", read_only=True)
    duration = SecondsField(read_only=True, allow_null=True, help_text=RESULT_DURATION)

    class Meta:
        model = TestResult
        fields = (
            "id",
            "test",
            "job",
            "job_name",
            "attempt",
            "final",
            "status",
            "duration",
            "message",
            "failure_type",
            "trace",
            "output",
        )
        read_only_fields = fields


class HistoryEntrySerializer(serializers.ModelSerializer):
    """One execution of a test, with where and when it ran (the run's commit, branch and time)."""

    run_attempt = serializers.IntegerField(source="run.attempt", read_only=True)
    commit_sha = serializers.CharField(source="run.commit_sha", read_only=True)
    branch = serializers.CharField(source="run.branch", read_only=True)
    created_at = serializers.DateTimeField(source="run.created_at", read_only=True)
    job_name = serializers.CharField(source="job.name", read_only=True)
    duration = SecondsField(read_only=True, allow_null=True, help_text=RESULT_DURATION)

    class Meta:
        model = TestResult
        fields = (
            "id",
            "status",
            "duration",
            "attempt",
            "final",
            "run",
            "run_attempt",
            "job",
            "job_name",
            "commit_sha",
            "branch",
            "created_at",
        )
        read_only_fields = fields
