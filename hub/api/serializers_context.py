"""How a run's failure context looks in the API: the shape ``hub.failures.services.context`` builds.

The document is built (bounded and redacted) by the service; these serializers pass it through, so the
OpenAPI schema describes exactly what is sent. Fields are read-only and listed one by one.
"""

from __future__ import annotations

from rest_framework import serializers


class ContextRunCountsSerializer(serializers.Serializer):
    tests = serializers.IntegerField()
    passed = serializers.IntegerField()
    failed = serializers.IntegerField()
    errors = serializers.IntegerField()
    skipped = serializers.IntegerField()
    flaky = serializers.IntegerField(help_text="Failed, then passed on a retry in the job.")


class ContextRunSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    project = serializers.CharField(help_text="OWNER/NAME.")
    provider = serializers.CharField()
    provider_run_id = serializers.CharField()
    attempt = serializers.IntegerField()
    workflow = serializers.CharField()
    event = serializers.CharField()
    branch = serializers.CharField()
    base_branch = serializers.CharField(help_text="A pull request's target branch; empty otherwise.")
    commit_sha = serializers.CharField()
    pull_request = serializers.IntegerField(allow_null=True)
    pull_request_url = serializers.CharField(help_text="Its page on GitHub or GitLab, when known.")
    url = serializers.CharField(help_text="The run on the CI.")
    status = serializers.CharField()
    conclusion = serializers.CharField()
    counts = ContextRunCountsSerializer()


class ContextSummarySerializer(serializers.Serializer):
    failing_tests = serializers.IntegerField(help_text="Final attempts that failed or errored.")
    analysed = serializers.IntegerField(help_text="Of those, how many the analysis has categorised.")
    by_category = serializers.DictField(child=serializers.IntegerField())
    by_classification = serializers.DictField(
        child=serializers.IntegerField(),
        help_text="new, flaky, already_failing, no_baseline (pull requests).",
    )


class ContextTestSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    classname = serializers.CharField()
    suite = serializers.CharField()
    file = serializers.CharField()


class ContextJobRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class ContextClusterSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    occurrences = serializers.IntegerField()
    tests = serializers.IntegerField()
    first_seen = serializers.DateTimeField()
    last_seen = serializers.DateTimeField()
    normalised = serializers.CharField(help_text="The message with volatile parts masked.")


class ContextAttemptSerializer(serializers.Serializer):
    attempt = serializers.IntegerField()
    status = serializers.CharField()
    duration = serializers.FloatField(allow_null=True)
    failure_type = serializers.CharField()
    message = serializers.CharField(help_text="Clipped, with a marker saying how much was cut.")
    trace = serializers.CharField(help_text="Clipped at both ends, with a marker line in the gap.")
    output = serializers.CharField(help_text="The test's stdout and stderr as stored: its last lines.")


class ContextFlakySerializer(serializers.Serializer):
    state = serializers.CharField()
    since = serializers.DateTimeField()
    score = serializers.FloatField(help_text="Estimated probability that a run flakes.")
    evidence = serializers.ListField(child=serializers.CharField(), help_text="The evidence, as sentences.")


class ContextQuarantineSerializer(serializers.Serializer):
    reason = serializers.CharField()
    owner = serializers.CharField()
    automatic = serializers.BooleanField()
    since = serializers.DateTimeField()
    expires_at = serializers.DateTimeField(allow_null=True)


class ContextFailureSerializer(serializers.Serializer):
    test = ContextTestSerializer()
    job = ContextJobRefSerializer()
    status = serializers.CharField(help_text="failed or error.")
    category = serializers.CharField(allow_null=True, help_text="null until the analysis has run.")
    rule = serializers.CharField(allow_null=True)
    classification = serializers.CharField(
        allow_null=True, help_text="new, flaky, already_failing or no_baseline; null off pull requests."
    )
    cluster = ContextClusterSerializer(allow_null=True)
    attempts = ContextAttemptSerializer(many=True, help_text="In order; the last one is final.")
    attempts_not_shown = serializers.IntegerField(help_text="Earlier attempts left out.")
    flaky = ContextFlakySerializer(allow_null=True, help_text="The test's verdict, when it has one.")
    quarantine = ContextQuarantineSerializer(allow_null=True, help_text="The active entry, if any.")
    reproduce = serializers.CharField(
        allow_null=True, help_text="A shell command that runs this test alone, when one can be derived."
    )


class ContextJobSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    url = serializers.CharField()
    conclusion = serializers.CharField()
    failed = serializers.IntegerField()
    errors = serializers.IntegerField()
    category = serializers.CharField(allow_null=True)
    rule = serializers.CharField(allow_null=True)
    log_state = serializers.CharField(allow_null=True, help_text="stored, fetching, failed, unavailable.")
    log_excerpt = serializers.CharField(help_text="Numbered lines of the log that explain the failure.")


class ContextArtifactSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    size = serializers.IntegerField()
    job = serializers.CharField(allow_null=True)
    url = serializers.CharField(help_text="Download link (members of the project).")


class RunContextSerializer(serializers.Serializer):
    run = ContextRunSerializer()
    summary = ContextSummarySerializer()
    failures = ContextFailureSerializer(many=True, help_text="Most actionable first: new failures first.")
    failures_not_shown = serializers.IntegerField(help_text="Failing tests left out by the size budget.")
    jobs = ContextJobSerializer(many=True, help_text="The failed jobs.")
    jobs_not_shown = serializers.IntegerField()
    artifacts = ContextArtifactSerializer(many=True)
    artifacts_not_shown = serializers.IntegerField()
    limits = serializers.DictField(
        child=serializers.IntegerField(), help_text="The budget (docs/context.md)."
    )
