"""Reports nested deeper than any report can be are refused early, naming the limit, in little memory."""

from __future__ import annotations

import json
import tracemalloc

import pytest

from hub.runs.models import Run
from tests.hub.conftest import case, report

pytestmark = pytest.mark.django_db


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def with_raw(doc: dict, key: str, raw_json: str) -> bytes:
    """``doc`` as JSON with ``raw_json`` placed where the string ``key`` stands."""
    return json.dumps(doc).replace(json.dumps(key), raw_json).encode()


def test_a_deeply_nested_header_is_refused_naming_the_depth_limit_in_little_memory(agent):
    body = with_raw(report(case("a"), job="JOB"), "JOB", nested(10_000))
    tracemalloc.start()
    try:
        response = agent.post_report(None, raw=body)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert response.status_code == 400
    assert "more than 32 levels deep" in response.json()["error"]["message"]
    assert peak < 20 << 20  # the prefixed parser took ~250 MB for this 20 KB body, and kept it
    assert Run.objects.count() == 0


def test_a_deeply_nested_case_is_refused_naming_the_depth_limit(agent):
    body = with_raw(report(case("a", classname="DEEP")), "DEEP", nested(2_000))
    response = agent.post_report(None, raw=body)
    assert response.status_code == 400
    assert "more than 32 levels deep" in response.json()["error"]["message"]
    assert Run.objects.count() == 0


def test_deep_nesting_after_the_cases_is_refused_too(agent):
    doc = report(case("a"))
    doc["job"] = "JOB"
    body = json.dumps({key: doc[key] for key in ("version", "cases", "run", "job")})
    response = agent.post_report(None, raw=body.replace('"JOB"', nested(500)).encode())
    assert response.status_code == 400
    assert "more than 32 levels deep" in response.json()["error"]["message"]


def test_cases_that_are_not_an_array_get_422(agent):
    body = json.dumps({"version": 1, "run": {"run_id": "1"}, "cases": {"name": "a"}}).encode()
    response = agent.post_report(None, raw=body)
    assert response.status_code == 422
    assert response.json()["error"]["message"].startswith("report.cases must be an array")
