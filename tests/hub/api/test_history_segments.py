"""A test's history through the API walks the project's segments newest first, and pages across them.

Segments are made tiny (two results each) so that a few small reports span several of them.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from hub.runs.models import Test, TestResult
from tests.hub.conftest import post_runs, runs_of

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("two_results_a_segment")]


def test_history_is_newest_first_across_segments(agent, project, owner, client_for):
    post_runs(agent, 6, "test_a", "test_b", "test_c")  # three results a run: a new segment every run
    test = Test.objects.get(name="test_b")

    body = client_for(owner).get(reverse("test-history", args=[test.pk])).json()

    assert [entry["run"] for entry in body["results"]] == sorted(runs_of(test), reverse=True)
    assert len(body["results"]) == 6


def test_history_pages_forward_and_back_across_segments(agent, project, owner, client_for):
    post_runs(agent, 7, "test_a", "test_b", "test_c")
    test = Test.objects.get(name="test_a")
    newest_first = list(TestResult.objects.filter(test=test).order_by("-id").values_list("id", flat=True))
    client = client_for(owner)

    first = client.get(reverse("test-history", args=[test.pk]), {"page_size": 3}).json()
    second = client.get(first["next"]).json()
    third = client.get(second["next"]).json()
    back = client.get(third["previous"]).json()

    assert [e["id"] for e in first["results"]] == newest_first[:3]
    assert [e["id"] for e in second["results"]] == newest_first[3:6]
    assert [e["id"] for e in third["results"]] == newest_first[6:]
    assert third["next"] is None
    assert [e["id"] for e in back["results"]] == newest_first[3:6]
    assert first["previous"] is None


def test_history_finds_a_test_whose_last_results_are_segments_back(agent, project, owner, client_for):
    post_runs(agent, 2, "test_gone", "test_a")
    post_runs(agent, 4, "test_a", "test_b", "test_c", first=3)
    gone = Test.objects.get(name="test_gone")

    body = client_for(owner).get(reverse("test-history", args=[gone.pk])).json()

    assert [entry["run"] for entry in body["results"]] == sorted(runs_of(gone), reverse=True)
