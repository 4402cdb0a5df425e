"""``/api/v1/tests/{id}/``: a test's identity, and its history across runs, newest first.

History walks the ``result_segment_test`` index (segment, test, id) from the newest segment down: newest
results of one test without a sort (``hub.runs.services.segments``).
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, mixins, viewsets

from hub.api.pagination import NewestFirstPagination
from hub.api.serializers import HistoryEntrySerializer, TestSerializer
from hub.api.viewsets.base import ReadApiMixin
from hub.projects.services import visible
from hub.runs.models import Test, TestResult
from hub.runs.services import segments


@extend_schema_view(retrieve=extend_schema(summary="One test's identity"))
@extend_schema(tags=["tests"])
class TestViewSet(ReadApiMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """A test as the hub identifies it across runs: suite or class, name and file."""

    serializer_class = TestSerializer

    def get_queryset(self):
        return visible(Test.objects.select_related("project"), self.request.user)


@extend_schema(tags=["tests"], summary="A test's history across runs, newest first")
class TestHistoryView(ReadApiMixin, generics.ListAPIView):
    """Every execution of one test across runs: status, duration, attempt, run, commit, branch, time."""

    serializer_class = HistoryEntrySerializer
    pagination_class = NewestFirstPagination

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # drf-spectacular introspection: no request user
            return TestResult.objects.none()
        tests = visible(Test.objects.select_related("project"), self.request.user)
        test = get_object_or_404(tests, pk=self.kwargs["test_id"])
        return segments.newest_first(
            TestResult.objects.filter(test=test).select_related("run", "job"), test.project
        )
