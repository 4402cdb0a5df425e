"""Query-string filters for the read API (django-filter), one FilterSet per list.

Each filter maps to an indexed column or a prefix of one; there is no free-text search over results.
A bad value (an unknown status, a SHA prefix under 7 characters, a malformed time) is a 400 with the
field named, never an empty list that looks like "no data".
"""

from __future__ import annotations

import django_filters as filters
from drf_spectacular.utils import extend_schema_field

from hub.api.filter_fields import IntegerFilter, Rfc3339Filter, StrictBooleanFilter, StrictFilterSet
from hub.projects.models import Project
from hub.runs.models import Conclusion, ResultStatus, Run, RunStatus, TestResult

SHA_PREFIX_MIN = 7
FULL_SHA_LENGTHS = {40, 64}  # SHA-1 and SHA-256 object names


class ProjectFilter(StrictFilterSet):
    full_name = filters.CharFilter(help_text="Exactly OWNER/NAME (GitLab: GROUP/SUB/NAME).")

    class Meta:
        model = Project
        fields = ("full_name",)


class RunFilter(StrictFilterSet):
    project = filters.CharFilter(field_name="project__full_name", help_text="The project's OWNER/NAME.")
    branch = filters.CharFilter(help_text="Exact branch name.")
    commit_sha = filters.CharFilter(
        method="filter_commit_sha",
        min_length=SHA_PREFIX_MIN,
        max_length=64,
        help_text=f"A full commit SHA, or a prefix of at least {SHA_PREFIX_MIN} characters.",
    )
    status = filters.ChoiceFilter(choices=RunStatus.choices)
    conclusion = filters.ChoiceFilter(choices=Conclusion.choices)
    pull_request = IntegerFilter(help_text="Pull (merge) request number.")
    created_after = Rfc3339Filter(
        field_name="created_at", lookup_expr="gte", help_text="RFC 3339 (2026-01-31T09:00:00Z); inclusive."
    )
    created_before = Rfc3339Filter(
        field_name="created_at", lookup_expr="lt", help_text="RFC 3339 (2026-01-31T09:00:00Z); exclusive."
    )

    class Meta:
        model = Run
        fields = ("project", "branch", "commit_sha", "status", "conclusion", "pull_request")

    @extend_schema_field({"type": "string", "minLength": SHA_PREFIX_MIN, "maxLength": 64})
    def filter_commit_sha(self, queryset, name: str, value: str):
        sha = value.strip().lower()
        if len(sha) in FULL_SHA_LENGTHS:
            return queryset.filter(commit_sha=sha)
        return queryset.filter(commit_sha__startswith=sha)


class ResultFilter(StrictFilterSet):
    status = filters.ChoiceFilter(choices=ResultStatus.choices)
    job = IntegerFilter(field_name="job_id", help_text="A job id from the run's `jobs`.")
    final = StrictBooleanFilter(help_text="true: only each test's last attempt; false: only retried ones.")

    class Meta:
        model = TestResult
        fields = ("status", "job", "final")
