"""Reads are throttled per user under the ``reads`` scope; past the rate the API answers 429."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_reads_a_minute(settings):
    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "reads": "2/minute"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}


def test_reads_past_the_scoped_rate_answer_429_with_retry_after(two_reads_a_minute, owner, client_for):
    client = client_for(owner)
    client.get("/api/v1/runs/")
    client.get("/api/v1/runs/")

    response = client.get("/api/v1/runs/")

    assert response.status_code == 429
    assert response.json()["error"]["code"] == "throttled"
    assert 0 < int(response["Retry-After"]) <= 60


def test_each_user_has_their_own_read_budget(two_reads_a_minute, owner, teammate, client_for):
    busy = client_for(owner)
    for _ in range(3):
        busy.get("/api/v1/runs/")

    assert client_for(teammate).get("/api/v1/runs/").status_code == 200
