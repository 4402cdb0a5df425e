"""``/api/v1/clusters/``: a project's failure clusters; ``/api/v1/runs/{id}/failures/``: a run's analysed
failures with their category, cluster and, on a pull request, how they compare with the base branch.

Both read rows the analysis wrote (hub/failures/services/analysis.py); nothing here scans results.
"""

from __future__ import annotations

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, viewsets

from hub.api.filters_failures import ClusterFilter, RunFailureFilter
from hub.api.pagination import DefaultCursorPagination
from hub.api.serializers_failures import ClusterDetailSerializer, ClusterSerializer, RunFailureSerializer
from hub.api.viewsets.base import ReadApiMixin, ReportOrderPagination
from hub.failures.models import ClusterTest, Failure, FailureCluster
from hub.projects.services import visible
from hub.runs.models import Run

MEMBERS_SHOWN = 100


class ClusterPagination(DefaultCursorPagination):
    """Most recently seen first, or with ``sort=occurrences`` the most frequent first."""

    orderings = {"recent": ("-last_seen", "-id"), "occurrences": ("-occurrences", "-id")}

    def get_ordering(self, request, queryset, view):
        return self.orderings.get(request.query_params.get("sort", "recent"), self.orderings["recent"])


@extend_schema_view(
    list=extend_schema(
        summary="Failure clusters, most recently seen first",
        description=(
            "One cluster per normalised error message and failure type in a project. `sort=occurrences` "
            "puts the most frequent first. Cursor paginated (follow `next`)."
        ),
    ),
    retrieve=extend_schema(summary="One failure cluster with the tests it touched"),
)
@extend_schema(tags=["failures"])
class ClusterViewSet(ReadApiMixin, viewsets.ReadOnlyModelViewSet):
    """The same failure across tests and runs: its category, counts, first and last seen, and tests."""

    filterset_class = ClusterFilter
    pagination_class = ClusterPagination

    def get_queryset(self):
        clusters = visible(FailureCluster.objects.select_related("project"), self.request.user)
        if self.action == "retrieve":
            members = ClusterTest.objects.select_related("test").order_by("-last_seen", "-id")
            clusters = clusters.prefetch_related(
                Prefetch("members", queryset=members[:MEMBERS_SHOWN], to_attr="recent_members")
            )
        return clusters

    def get_serializer_class(self):
        return ClusterDetailSerializer if self.action == "retrieve" else ClusterSerializer


@extend_schema(tags=["failures"], summary="A run's analysed failures")
class RunFailuresView(ReadApiMixin, generics.ListAPIView):
    """Each failed test of the run (final attempts): category and the rule that matched, its cluster, and
    for a pull request's run its classification against the base branch (empty until classified)."""

    serializer_class = RunFailureSerializer
    filterset_class = RunFailureFilter
    pagination_class = ReportOrderPagination

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # drf-spectacular introspection: no request user
            return Failure.objects.none()
        run = get_object_or_404(visible(Run.objects.all(), self.request.user), pk=self.kwargs["run_id"])
        return Failure.objects.filter(run=run).select_related("test", "job", "result")
