"""The shape of ``GET /api/v1/projects/{id}/metrics`` for the OpenAPI schema: documentation only (the
figures are built by ``hub.metrics.figures``), so clients and the schema fuzzer know every key.
A rate or a time with nothing to count is null."""

from __future__ import annotations

from rest_framework import serializers


class MetricsDetection(serializers.Serializer):
    failed_runs = serializers.IntegerField(min_value=0)
    detected = serializers.IntegerField(min_value=0)
    rate = serializers.FloatField(allow_null=True)


class MetricsResponderSuccess(serializers.Serializer):
    finished = serializers.IntegerField(min_value=0)
    succeeded = serializers.IntegerField(min_value=0)
    rate = serializers.FloatField(allow_null=True)


class MetricsTimeToResolution(serializers.Serializer):
    resolved = serializers.IntegerField(min_value=0)
    tests = serializers.IntegerField(min_value=0)
    clusters = serializers.IntegerField(min_value=0)
    median_seconds = serializers.FloatField(allow_null=True)
    max_seconds = serializers.FloatField(allow_null=True)


class MetricsFalsePositives(serializers.Serializer):
    reruns_finished = serializers.IntegerField(min_value=0)
    failed_again = serializers.IntegerField(min_value=0)
    issues_closed = serializers.IntegerField(min_value=0)
    closed_as_not_a_problem = serializers.IntegerField(min_value=0)
    rate = serializers.FloatField(allow_null=True)


class MetricsLoop(serializers.Serializer):
    failures_seen = serializers.IntegerField(min_value=0, help_text="Failed runs the CI reported.")
    responded = serializers.IntegerField(min_value=0, help_text="Of those, answered by a fix job.")
    fixed = serializers.IntegerField(min_value=0, help_text="Of those, with a fix job that succeeded.")
    merged = serializers.IntegerField(min_value=0, help_text="Of those, with a fix the hub merged.")
    red_to_merged_p50_seconds = serializers.FloatField(allow_null=True)
    red_to_merged_p90_seconds = serializers.FloatField(allow_null=True)
    fixes_merged = serializers.IntegerField(min_value=0, help_text="Merges this week.")
    fixes_judged = serializers.IntegerField(min_value=0, help_text="Of those, judged by a later run.")
    fixes_that_broke_something = serializers.IntegerField(min_value=0)
    reruns_wasted = serializers.IntegerField(min_value=0, help_text="Re-runs whose tests failed again.")


class MetricsWeek(serializers.Serializer):
    week = serializers.CharField(help_text="ISO week, e.g. 2026-W49.")
    failure_detection = MetricsDetection()
    response_success = serializers.DictField(child=MetricsResponderSuccess(), help_text="Per responder.")
    time_to_resolution = MetricsTimeToResolution()
    false_positives = MetricsFalsePositives()
    loop = MetricsLoop()


class ProjectMetrics(serializers.Serializer):
    project = serializers.CharField()
    weeks = MetricsWeek(many=True, help_text="Newest first.")
