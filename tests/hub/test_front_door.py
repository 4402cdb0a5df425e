"""The first addresses a person tries: ``/`` is the dashboard (sign in first), and the API docs load without
internet."""

from __future__ import annotations

import re

import pytest
from django.contrib.staticfiles import finders

pytestmark = pytest.mark.django_db


def test_the_root_asks_a_stranger_to_sign_in_to_the_dashboard(client):
    response = client.get("/")

    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/"


def test_the_api_docs_load_swagger_ui_from_the_hub_not_a_cdn(client):
    page = client.get("/api/docs/").content.decode()

    assets = re.findall(r'(?:src|href)="([^"]+\.(?:js|css|png))"', page)
    assert assets
    assert all(asset.startswith("/static/drf_spectacular_sidecar/") for asset in assets), assets
    assert "cdn." not in page


def test_the_swagger_ui_files_the_docs_page_names_are_static_files_of_the_hub(client):
    page = client.get("/api/docs/").content.decode()

    assets = re.findall(r'(?:src|href)="/static/([^"]+)"', page)
    assert assets
    missing = [asset for asset in assets if not finders.find(asset)]
    assert missing == [], "not among the hub's static files (collectstatic would not serve them)"
