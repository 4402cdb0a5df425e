"""``GET /api/v1/projects/{id}/metrics?weeks=N``: the response loop's figures per ISO week, newest first.

Members of the project read them; another team's project is a 404. ``weeks`` is 1 to 52 (default 8);
anything else answers 400 naming the limit. The figures' definitions are in ``hub.metrics.figures`` and
docs/metrics.md.
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from hub.api.errors import ErrorSerializer, error_body
from hub.api.serializers_metrics import ProjectMetrics
from hub.api.viewsets.base import ReadApiMixin
from hub.metrics import services
from hub.projects.models import Project
from hub.projects.services import visible

DEFAULT_WEEKS = 8


class ProjectMetricsView(ReadApiMixin, APIView):
    @extend_schema(
        tags=["metrics"],
        operation_id="projects_metrics",
        summary="A project's failure detection, response success, time to resolution, false positives "
        "and what the loop achieved, per ISO week",
        parameters=[
            OpenApiParameter(
                "weeks",
                {"type": "integer", "minimum": 1, "maximum": services.MAX_WEEKS},
                description=f"1 to {services.MAX_WEEKS} (default {DEFAULT_WEEKS})",
            )
        ],
        responses={
            200: OpenApiResponse(ProjectMetrics, description="docs/metrics.md has each definition"),
            400: OpenApiResponse(ErrorSerializer, description="weeks out of range."),
        },
    )
    def get(self, request, project_id: int):
        project = get_object_or_404(
            visible(Project.objects.all(), request.user, project_path=""), pk=project_id
        )
        raw = request.query_params.get("weeks", str(DEFAULT_WEEKS))
        try:
            weeks = services.weekly(project, services.parse_weeks(raw))
        except services.TooManyWeeks as refusal:
            return Response(error_body("invalid", str(refusal)), status=status.HTTP_400_BAD_REQUEST)
        return Response({"project": project.full_name, "weeks": weeks})
