"""The coding-agent hand-off through the API.

- ``POST /api/v1/fix-jobs/{id}/approve``: a project owner approves a hand-off waiting for approval.
- ``POST /api/v1/agent-runs/{id}/callback``: a generic agent reports on its run; no token, the body's
  HMAC-SHA256 signature under the project's agent secret is the authentication (``agents.signing``).
- ``/api/v1/tasks``: operators' tasks. Members read; owners create, retry and cancel (a task spends the
  agent's credits and opens pull requests).
"""

from __future__ import annotations

import json

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from hub.api.errors import ErrorSerializer, error_body
from hub.api.permissions import require_owner
from hub.api.serializers_agents import AgentRunSerializer, TaskRequestSerializer, TaskSerializer
from hub.api.viewsets.base import ReadApiMixin, RecentRunsPagination
from hub.projects.models import Project
from hub.projects.services import visible
from hub.response.agents import generic, signing
from hub.response.agents.models import AgentConnection, AgentRun, Task
from hub.response.services import agent_runs, agent_tasks, fix_jobs

CONFLICT = OpenApiResponse(ErrorSerializer, description="The state does not allow it (the body says which).")


def shown(task: Task) -> Task:
    task.progress = agent_tasks.progress(task)
    return task


class AgentRunCallbackView(APIView):
    authentication_classes: list = []
    permission_classes = (AllowAny,)
    parser_classes: list = []  # the raw body is what the signature covers

    @extend_schema(
        tags=["response"],
        operation_id="agent_run_callback",
        summary="A generic coding agent reports on its run (signed)",
        description="The body is the agent's run as JSON (`id`, `status`, `pull_request_url`, `summary`, "
        "`web_url`, `status_url`); `X-Orchestrate-Timestamp` and `X-Orchestrate-Signature: sha256=<hex>` "
        "(HMAC-SHA256 of `<timestamp>.<body>` under the project's agent secret) authenticate it. See "
        "docs/coding-agents.md.",
        parameters=[
            OpenApiParameter(signing.SIGNATURE, str, OpenApiParameter.HEADER, required=True),
            OpenApiParameter(signing.TIMESTAMP, str, OpenApiParameter.HEADER, required=True),
        ],
        request={"application/json": {"type": "object"}},
        responses={
            200: AgentRunSerializer,
            401: OpenApiResponse(ErrorSerializer, description="Bad signature."),
        },
    )
    def post(self, request, run_id: int):
        run = get_object_or_404(AgentRun.objects.select_related("fix_job"), pk=run_id, adapter="http")
        connection = AgentConnection.objects.filter(project=run.fix_job.project_id).first()
        problem = signing.verify(
            connection.secret() if connection else "",
            request.headers.get(signing.TIMESTAMP, ""),
            request.headers.get(signing.SIGNATURE, ""),
            request.body,
        )
        if problem:
            body = error_body("bad_signature", f"{problem}; sign the body with the project's agent secret")
            return Response(body, status=status.HTTP_401_UNAUTHORIZED)
        try:
            answer = json.loads(request.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise exceptions.ValidationError({"body": ["Send the run as a JSON object."]}) from None
        seen = generic.seen(answer)
        if seen.external_id and run.external_id and seen.external_id != run.external_id:
            raise exceptions.ValidationError({"id": [f"This callback is for agent run {run.external_id}."]})
        agent_runs.apply(run, seen, "")
        run.refresh_from_db()
        return Response(AgentRunSerializer(run).data)


@extend_schema(tags=["response"])
class TaskViewSet(ReadApiMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    pagination_class = RecentRunsPagination
    serializer_class = TaskSerializer

    def get_queryset(self):
        tasks = visible(Task.objects.select_related("project", "created_by", "fix_job"), self.request.user)
        project = self.request.query_params.get("project")
        return tasks.filter(project__full_name=project) if project else tasks

    @extend_schema(
        summary="A project's tasks for its coding agent, newest first",
        parameters=[OpenApiParameter("project", str, OpenApiParameter.QUERY, description="OWNER/NAME.")],
    )
    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(TaskSerializer([shown(t) for t in page], many=True).data)

    @extend_schema(summary="A task with its state, current step, pull request and validation")
    def retrieve(self, request, *args, **kwargs):
        return Response(TaskSerializer(shown(self.get_object())).data)

    @extend_schema(
        summary="Give the project's coding agent a task (owners)",
        request=TaskRequestSerializer,
        responses={201: TaskSerializer, 409: CONFLICT},
    )
    def create(self, request):
        data = TaskRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        projects = visible(Project.objects.all(), request.user, project_path="")
        project = get_object_or_404(projects, pk=fields.pop("project"))
        require_owner(project, request.user, "give its coding agent a task")
        try:
            task = agent_tasks.create(project, fields, request.user)
        except agent_tasks.TaskRefused as refused:
            return Response(error_body("conflict", str(refused)), status=status.HTTP_409_CONFLICT)
        return Response(TaskSerializer(shown(task)).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Try a failed task again (owners)", request=None,
                   responses={200: TaskSerializer, 409: CONFLICT})  # fmt: skip
    @action(detail=True, methods=["post"])
    def retry(self, request, pk=None):
        return self._operate(fix_jobs.retry, "only a failed or dead task can be tried again")

    @extend_schema(
        summary="Cancel a task (owners)", request=None, responses={200: TaskSerializer, 409: CONFLICT}
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        return self._operate(fix_jobs.cancel, "a running or finished task cannot be cancelled")

    def _operate(self, operation, refusal: str) -> Response:
        task = self.get_object()
        require_owner(task.project, self.request.user, "change its tasks")
        job = task.fix_job
        if job is None or not operation(job, self.request.user.get_username()):
            state = job.state if job else "without a fix job"
            body = error_body("conflict", f"task {task.pk} is {state}: {refusal}")
            return Response(body, status=status.HTTP_409_CONFLICT)
        task.fix_job.refresh_from_db()
        return Response(TaskSerializer(shown(task)).data)
