"""Top-level routes: the dashboard (at ``/``), admin, the API (ingest and reads), its schema and docs,
health, metrics and webhooks."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from hub import health
from hub.metrics import views as metrics

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("hub.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("healthz", health.healthz, name="healthz"),
    path("metrics", metrics.metrics, name="metrics"),
    path("webhooks/", include("hub.webhooks.urls")),
    path("", include("hub.dashboard.urls")),
]

# JSON for API and webhook paths and JSON clients, Django's pages for people (hub.api.errors).
handler404 = "hub.api.errors.not_found"
handler500 = "hub.api.errors.server_error"
