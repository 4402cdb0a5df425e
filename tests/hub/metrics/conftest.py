"""Metrics fixtures: the API personas' token clients, and django-q2 in sync mode for the analysis."""

from tests.hub.api import conftest as api_fixtures
from tests.hub.webhooks import conftest as webhooks

client_for = api_fixtures.client_for
run_tasks, sender = webhooks.run_tasks, webhooks.sender
