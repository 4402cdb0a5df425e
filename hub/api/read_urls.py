"""Routes of the read API, included under ``/api/v1/`` by ``hub.api.urls``."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from hub.api.viewsets.projects import ProjectViewSet
from hub.api.viewsets.runs import RunResultsView, RunViewSet
from hub.api.viewsets.testcases import TestHistoryView, TestViewSet

router = SimpleRouter()
router.register("projects", ProjectViewSet, basename="project")
router.register("runs", RunViewSet, basename="run")
router.register("tests", TestViewSet, basename="test")

urlpatterns = [
    path("runs/<int:run_id>/results/", RunResultsView.as_view(), name="run-results"),
    path("tests/<int:test_id>/history/", TestHistoryView.as_view(), name="test-history"),
    *router.urls,
]
