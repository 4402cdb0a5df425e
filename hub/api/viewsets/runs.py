"""``/api/v1/runs/``: runs newest first, one run with its jobs, and a run's results.

Counts come from the columns kept at ingest; listing runs never touches the result table.
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, viewsets

from hub.api.filters import ResultFilter, RunFilter
from hub.api.pagination import JobByJobPagination
from hub.api.serializers import ResultSerializer, RunDetailSerializer, RunSerializer
from hub.api.viewsets.base import ReadApiMixin, RecentRunsPagination
from hub.projects.services import visible
from hub.runs.models import Run, TestResult


@extend_schema_view(
    list=extend_schema(
        summary="Runs, newest first",
        description="Cursor paginated (follow `next`). Counts are final outcomes stored at ingest.",
    ),
    retrieve=extend_schema(summary="One run with its jobs and their counts"),
)
@extend_schema(tags=["runs"])
class RunViewSet(ReadApiMixin, viewsets.ReadOnlyModelViewSet):
    """A CI run attempt (a re-run is a separate run with a higher `attempt`)."""

    filterset_class = RunFilter
    pagination_class = RecentRunsPagination

    def get_queryset(self):
        runs = visible(Run.objects.select_related("project"), self.request.user)
        if self.action == "retrieve":
            runs = runs.prefetch_related("jobs")
        return runs

    def get_serializer_class(self):
        return RunDetailSerializer if self.action == "retrieve" else RunSerializer


@extend_schema(tags=["runs"], summary="A run's test results")
class RunResultsView(ReadApiMixin, generics.ListAPIView):
    """Every attempt of every test in one run, job by job, each job's in report order, with the test's
    identity.

    Retries are separate rows (`attempt`); `final=true` keeps each test's last attempt only.
    """

    serializer_class = ResultSerializer
    filterset_class = ResultFilter
    pagination_class = JobByJobPagination
    job_ids: list[int] = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # drf-spectacular introspection: no request user
            return TestResult.objects.none()
        run = get_object_or_404(visible(Run.objects.all(), self.request.user), pk=self.kwargs["run_id"])
        # Through the run's jobs, one by one: results are indexed on (job, id), not on run.
        self.job_ids = list(run.jobs.order_by("id").values_list("id", flat=True))
        return TestResult.objects.filter(job_id__in=self.job_ids).select_related("test", "job")
