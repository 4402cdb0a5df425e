"""Metrics fixtures: the API personas' token clients."""

from tests.hub.api import conftest as api_fixtures

client_for = api_fixtures.client_for
