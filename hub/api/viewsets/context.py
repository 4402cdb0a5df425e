"""``/api/v1/runs/{id}/context``: what a person or a coding agent needs to fix a run, as JSON or Markdown;
``/api/v1/artifacts/{id}/download``: an artifact the context links to.

The document is assembled by ``hub.failures.services.context`` (bounded, redacted) and rendered as
Markdown by ``hub.failures.context_markdown``; this view picks the run and the form. Members of the
project read it, and so does the project's own agent token (or the CI's OIDC token standing in for it),
so ``orchestrate ci context`` works inside the CI job with the token the job already has.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import FileResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from hub.api.authentication import AGENT_READ_AUTHENTICATION, AgentPrincipal
from hub.api.renderers import MarkdownRenderer
from hub.api.serializers_context import RunContextSerializer
from hub.api.viewsets.base import ReadApiMixin
from hub.failures import context_markdown
from hub.failures.services.context import run_context
from hub.projects.services import visible
from hub.runs.models import Artifact, Run


def readable(queryset: QuerySet, user) -> QuerySet:
    """``queryset`` limited to what ``user`` may read: an agent token its own project's rows, a person
    the projects they belong to (``visible``)."""
    if isinstance(user, AgentPrincipal):
        return queryset.filter(project=user.project)
    return visible(queryset, user)


class RunContextView(ReadApiMixin, APIView):
    authentication_classes = AGENT_READ_AUTHENTICATION
    renderer_classes = (JSONRenderer, MarkdownRenderer)

    @extend_schema(
        tags=["runs"],
        operation_id="run_context",
        summary="A run's failure context, as JSON or Markdown",
        description=(
            "Each failing test with every attempt (messages and traces), its category and cluster, how it "
            "compares with the base branch, its flaky evidence and quarantine entry and a command that "
            "runs it again; the failed jobs' log excerpts, the commit, the pull request and the artifacts. "
            "Bounded (at most 30 tests in detail, 64 KiB; what is left out is counted) and with secrets "
            "redacted: see docs/context.md. Markdown with `Accept: text/markdown` or `?format=md`. "
            "Accepts the project's agent token as well as API tokens and sessions."
        ),
        parameters=[
            OpenApiParameter(
                "format", str, OpenApiParameter.QUERY, enum=["json", "md"], description="The answer's form."
            )
        ],
        responses={
            (200, "application/json"): RunContextSerializer,
            (200, "text/markdown"): OpenApiResponse(OpenApiTypes.STR, description="The same, as Markdown."),
        },
    )
    def get(self, request, run_id: int):
        run = get_object_or_404(readable(Run.objects.select_related("project"), request.user), pk=run_id)
        document = RunContextSerializer(
            run_context(
                run,
                artifact_url=lambda artifact: request.build_absolute_uri(
                    reverse("artifact-download", args=[artifact.pk])
                ),
            )
        ).data
        if request.accepted_renderer.format == MarkdownRenderer.format:
            return Response(context_markdown.render(document))
        return Response(document)


class ArtifactDownloadView(ReadApiMixin, APIView):
    authentication_classes = AGENT_READ_AUTHENTICATION

    @extend_schema(
        tags=["runs"],
        operation_id="artifact_download",
        summary="Download an artifact kept for a run",
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY},
    )
    def get(self, request, artifact_id: int):
        artifact = get_object_or_404(readable(Artifact.objects.all(), request.user), pk=artifact_id)
        return FileResponse(
            artifact.file.open("rb"),
            as_attachment=True,
            filename=artifact.name.rsplit("/", 1)[-1],
            content_type=artifact.content_type or "application/octet-stream",
        )
