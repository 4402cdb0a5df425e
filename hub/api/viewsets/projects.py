"""``/api/v1/projects/``: the projects a person belongs to. Looked up by id; ``?full_name=`` finds one."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import viewsets

from hub.api.filters import ProjectFilter
from hub.api.serializers import ProjectSerializer
from hub.api.viewsets.base import ProjectNamePagination, ReadApiMixin
from hub.projects.models import Project
from hub.projects.services import visible


@extend_schema_view(
    list=extend_schema(summary="Projects you belong to", description="Ordered by full name."),
    retrieve=extend_schema(summary="One project"),
)
@extend_schema(tags=["projects"])
class ProjectViewSet(ReadApiMixin, viewsets.ReadOnlyModelViewSet):
    """Projects are looked up by id; `?full_name=OWNER/NAME` finds one by name."""

    serializer_class = ProjectSerializer
    filterset_class = ProjectFilter
    pagination_class = ProjectNamePagination

    def get_queryset(self):
        return visible(Project.objects.all(), self.request.user, project_path="")
