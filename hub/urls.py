"""Top-level routes: admin, the API (ingest and reads), its schema and docs, health, metrics.

``/`` sends people to the admin, the hub's only pages for now (a dashboard will take its place), rather
than answering 404 to the first address anyone tries.
"""

from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from hub import health
from hub.metrics import views as metrics

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="admin:index"), name="home"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("hub.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("healthz", health.healthz, name="healthz"),
    path("metrics", metrics.metrics, name="metrics"),
    path("webhooks/", include("hub.webhooks.urls")),
]

# JSON for API and webhook paths and JSON clients, Django's pages for people (hub.api.errors).
handler404 = "hub.api.errors.not_found"
handler500 = "hub.api.errors.server_error"
