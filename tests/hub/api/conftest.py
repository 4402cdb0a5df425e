"""Read-API fixtures: a superuser and clients that carry a person's API token."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from hub.projects import services


@pytest.fixture
def superuser(db):
    return get_user_model().objects.create_superuser("sam", password="pw-sam-123")


@pytest.fixture
def client_for(db) -> Callable[..., APIClient]:
    """``client_for(user, read_only=True)``: an API client sending a fresh token of that user."""

    def build(user, *, read_only: bool = True) -> APIClient:
        _, plain = services.issue_api_token(user, read_only=read_only, name="test")
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {plain}")
        return client

    return build
