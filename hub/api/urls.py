from django.urls import include, path

from hub.api import ingest

urlpatterns = [
    path("reports", ingest.ReportUploadView.as_view(), name="reports"),
    path("artifacts", ingest.ArtifactUploadView.as_view(), name="artifacts"),
    path("", include("hub.api.read_urls")),
]
