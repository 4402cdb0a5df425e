"""Webhook endpoints, one per provider, plus the generic one addressed by project. A trailing slash is
accepted too, since that is how URLs often get pasted into a provider's settings."""

from django.urls import path, re_path

from hub.webhooks.views import circleci, generic, github, gitlab

app_name = "webhooks"
urlpatterns = [
    re_path(r"^github/?$", github.webhook, name="github"),
    re_path(r"^gitlab/?$", gitlab.webhook, name="gitlab"),
    re_path(r"^circleci/?$", circleci.webhook, name="circleci"),
    path("generic/<path:project>", generic.webhook, name="generic"),
]
