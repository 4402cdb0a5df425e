"""``POST /api/v1/projects/import``: projects from a GitHub organisation or user, or a GitLab group.

Importing creates projects, so only staff may do it (a read-only token gets 403 as everywhere). The answer
has a row per repository with what to paste into the provider (shown once: the new agent token and the
webhook secret) or what was done there; importing again is harmless (``hub.integrations.imports``). An
account the token cannot read is a 502 with the provider's message.
"""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from hub.api.errors import error_body
from hub.api.serializers_imports import ImportAnswerSerializer, ImportSerializer
from hub.api.viewsets.base import ReadApiMixin
from hub.api.viewsets.operations import OperationsRateThrottle
from hub.integrations import imports


class ProjectImportView(ReadApiMixin, APIView):
    throttle_classes = (OperationsRateThrottle,)
    throttle_scope = "operations"

    @extend_schema(
        tags=["projects"],
        operation_id="projects_import",
        summary="Import projects from a GitHub organisation or user, or a GitLab group (staff only)",
        request=ImportSerializer,
        responses={
            200: ImportAnswerSerializer,
            403: OpenApiResponse(OpenApiTypes.OBJECT, description="Not staff, or a read-only token."),
            502: OpenApiResponse(OpenApiTypes.OBJECT, description="The provider refused; see the message."),
        },
    )
    def post(self, request):
        if not (request.user.is_staff or request.user.is_superuser):
            raise PermissionDenied("Only staff may import projects; ask an administrator.")
        data = ImportSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        source = imports.Source(
            provider=fields["provider"],
            owner=fields["owner"],
            token=fields["token"],
            server_url=fields["server_url"],
        )
        try:
            results = imports.import_projects(
                source,
                fields["repositories"],
                create_webhooks=fields["create_webhooks"],
                owner=request.user,
            )
        except imports.ImportRefused as refusal:
            return Response(error_body("provider_error", str(refusal)), status=status.HTTP_502_BAD_GATEWAY)
        return Response(ImportAnswerSerializer({"results": results}).data, status=status.HTTP_200_OK)
