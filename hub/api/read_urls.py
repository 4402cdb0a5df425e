"""Routes of the read API, included under ``/api/v1/`` by ``hub.api.urls``."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from hub.api.viewsets import agents, context, flaky, imports, metrics, operations, respond, response
from hub.api.viewsets.failures import ClusterViewSet, RunFailuresView
from hub.api.viewsets.projects import ProjectViewSet
from hub.api.viewsets.runs import RunResultsView, RunViewSet
from hub.api.viewsets.testcases import TestHistoryView, TestViewSet

router = SimpleRouter()
router.register("projects", ProjectViewSet, basename="project")
router.register("runs", RunViewSet, basename="run")
router.register("tests", TestViewSet, basename="test")
router.register("clusters", ClusterViewSet, basename="cluster")
router.register("fix-jobs", response.FixJobViewSet, basename="fix-job")
router.register("tasks", agents.TaskViewSet, basename="task")

urlpatterns = [
    path("runs/<int:run_id>/results/", RunResultsView.as_view(), name="run-results"),
    path("tests/<int:test_id>/history/", TestHistoryView.as_view(), name="test-history"),
    path("runs/<int:run_id>/failures/", RunFailuresView.as_view(), name="run-failures"),
    path("runs/<int:run_id>/context", context.RunContextView.as_view(), name="run-context"),
    path(
        "artifacts/<int:artifact_id>/download",
        context.ArtifactDownloadView.as_view(),
        name="artifact-download",
    ),
    path("flaky", flaky.FlakyTestListView.as_view(), name="flaky-tests"),
    path("tests/<int:test_id>/health/", flaky.TestHealthView.as_view(), name="test-health"),
    path("tests/<int:test_id>/mark-fixed", flaky.MarkFixedView.as_view(), name="test-mark-fixed"),
    path("quarantine", flaky.QuarantineView.as_view(), name="quarantine"),
    path("quarantine/<int:entry_id>", flaky.QuarantineEntryView.as_view(), name="quarantine-entry"),
    path("projects/import", imports.ProjectImportView.as_view(), name="projects-import"),
    path("projects/<int:project_id>/trigger", operations.TriggerView.as_view(), name="project-trigger"),
    path("projects/<int:project_id>/metrics", metrics.ProjectMetricsView.as_view(), name="project-metrics"),
    path("projects/<int:project_id>/policy", response.PolicyView.as_view(), name="project-policy"),
    path("runs/<int:run_id>/rerun", operations.RerunView.as_view(), name="run-rerun"),
    path("runs/<int:run_id>/cancel", operations.CancelView.as_view(), name="run-cancel"),
    path("runs/<int:run_id>/respond", respond.RespondView.as_view(), name="run-respond"),
    path(
        "agent-runs/<int:run_id>/callback", agents.AgentRunCallbackView.as_view(), name="agent-run-callback"
    ),
    *router.urls,
]
