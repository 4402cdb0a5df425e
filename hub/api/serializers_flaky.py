"""How test verdicts, their state changes and the quarantine list look in the API.

Everything here reads ``TestHealth``, ``StateChange`` and ``QuarantineEntry`` rows, never results: the
verdicts and their impact are kept up to date by detection, so listing them costs one indexed query.
"""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from hub.api.fields import Moment, Text, WholeNumber
from hub.flaky.models import QuarantineEntry, StateChange, TestHealth, TestState
from hub.runs.models import Test

STATE_CHANGES_SHOWN = 100


class QuarantinedTestSerializer(serializers.ModelSerializer):
    """The test's identity, with the key the agent computes from a report to match its failures."""

    key = serializers.CharField(source="key_hex", read_only=True, help_text="Identity digest, hex.")

    class Meta:
        model = Test
        fields = ("id", "suite", "classname", "name", "file", "key")
        read_only_fields = fields


class QuarantineBriefSerializer(serializers.ModelSerializer):
    """A quarantine entry as embedded in a test's verdict."""

    created_by = serializers.CharField(
        source="created_by.username",
        read_only=True,
        default=None,
        allow_null=True,
        help_text="Null: the hub.",
    )

    class Meta:
        model = QuarantineEntry
        fields = ("id", "reason", "owner", "automatic", "created_by", "created_at", "expires_at")
        read_only_fields = fields


class QuarantineEntrySerializer(QuarantineBriefSerializer):
    test = QuarantinedTestSerializer(read_only=True)

    class Meta(QuarantineBriefSerializer.Meta):
        fields = ("id", "test", *QuarantineBriefSerializer.Meta.fields[1:])
        read_only_fields = fields


class QuarantineListSerializer(serializers.Serializer):
    """What the agent fetches: the project's active entries (expired ones are left out)."""

    project = serializers.CharField(help_text="OWNER/NAME.")
    entries = QuarantineEntrySerializer(many=True)


class QuarantineRequestSerializer(serializers.Serializer):
    test = WholeNumber(min_value=1, help_text="The test's id (see /api/v1/tests/{id}/).")
    reason = Text(max_length=2000, help_text="Why its failures may be ignored for now.")
    owner = Text(max_length=200, required=False, allow_blank=True, default="", help_text="Who is fixing it.")
    expires_at = Moment(
        required=False,
        allow_null=True,
        default=None,
        help_text="In the future; default QUARANTINE_DAYS from now.",
    )

    def validate_expires_at(self, value: datetime | None) -> datetime | None:
        if value is not None and value <= timezone.now():
            raise serializers.ValidationError("The expiry is in the past: give a future date.")
        return value


class ReasonSerializer(serializers.Serializer):
    reason = Text(max_length=2000, required=False, allow_blank=True, default="")


class ConfidenceSerializer(serializers.Serializer):
    low = serializers.FloatField(source="confidence_low", read_only=True)
    high = serializers.FloatField(source="confidence_high", read_only=True)


class OnsetSerializer(serializers.Serializer):
    sha = serializers.CharField(source="onset_sha", read_only=True, help_text="Blank when unknown.")
    run = serializers.IntegerField(source="onset_run_id", read_only=True, allow_null=True)


class ImpactSerializer(serializers.Serializer):
    runs_affected = serializers.IntegerField(read_only=True)
    pull_requests_affected = serializers.IntegerField(read_only=True)
    time_lost = serializers.FloatField(read_only=True, help_text="CI seconds lost to failed attempts.")


class FlakyTestSerializer(serializers.ModelSerializer):
    """One test's verdict: its state, score with a confidence interval, evidence, onset and impact."""

    test = QuarantinedTestSerializer(read_only=True)
    state = serializers.ChoiceField(choices=TestState.choices, read_only=True)
    confidence = ConfidenceSerializer(source="*", read_only=True)
    onset = OnsetSerializer(source="*", read_only=True)
    impact = ImpactSerializer(source="*", read_only=True)
    quarantine = serializers.SerializerMethodField()

    class Meta:
        model = TestHealth
        fields = (
            "test",
            "state",
            "state_since",
            "score",
            "confidence",
            "evidence",
            "onset",
            "impact",
            "quarantine",
        )
        read_only_fields = fields

    @extend_schema_field(QuarantineBriefSerializer(allow_null=True))
    def get_quarantine(self, health: TestHealth) -> dict | None:
        entries = getattr(health.test, "active_entries", None)
        if entries is None:
            entries = list(QuarantineEntry.objects.active().filter(test_id=health.test_id)[:1])
        return QuarantineBriefSerializer(entries[0]).data if entries else None


class StateChangeSerializer(serializers.ModelSerializer):
    user = serializers.CharField(
        source="user.username", read_only=True, default=None, allow_null=True, help_text="Null: the hub."
    )

    class Meta:
        model = StateChange
        fields = ("from_state", "to_state", "at", "reason", "rule", "user", "evidence")
        read_only_fields = fields


class SignalsSerializer(serializers.ModelSerializer):
    """The aggregates the verdict was computed from."""

    class Meta:
        model = TestHealth
        fields = (
            "runs",
            "failures",
            "flips",
            "retry_flakes",
            "same_commit_flakes",
            "infra_failures",
            "failure_streak",
            "clean_streak",
            "clean_runs_needed",
            "recent",
            "first_failure_at",
            "last_failure_at",
            "last_result_at",
        )
        read_only_fields = fields


class TestHealthSerializer(FlakyTestSerializer):
    """A test's verdict with the signals behind it and its state changes, newest first."""

    __test__ = False

    signals = SignalsSerializer(source="*", read_only=True)
    state_changes = serializers.SerializerMethodField()

    class Meta(FlakyTestSerializer.Meta):
        fields = (*FlakyTestSerializer.Meta.fields, "signals", "state_changes")
        read_only_fields = fields

    @extend_schema_field(StateChangeSerializer(many=True))
    def get_state_changes(self, health: TestHealth) -> list[dict]:
        changes = StateChange.objects.filter(test_id=health.test_id).select_related("user")
        return StateChangeSerializer(changes.order_by("-at", "-id")[:STATE_CHANGES_SHOWN], many=True).data
