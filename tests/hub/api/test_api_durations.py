"""Durations in the API are seconds rounded to the millisecond, without the float noise of sums, and the
schema still calls them numbers."""

from __future__ import annotations

import pytest
import yaml
from django.core.management import call_command

from tests.hub.api.factories import make_job, make_result, make_run, make_test

pytestmark = pytest.mark.django_db

NOISY = 89.67280000000001  # 0.1 + 0.2-style noise, as a sum of test durations picks up


def test_a_runs_total_duration_is_rounded_to_the_millisecond(project, owner, client_for):
    run = make_run(project, duration=NOISY)

    body = client_for(owner).get(f"/api/v1/runs/{run.pk}/").json()

    assert body["counts"]["duration"] == 89.673


def test_a_jobs_total_duration_is_rounded_to_the_millisecond(project, owner, client_for):
    make_job(run := make_run(project), "unit", duration=137.5889)

    body = client_for(owner).get(f"/api/v1/runs/{run.pk}/").json()

    assert body["jobs"][0]["counts"]["duration"] == 137.589


def test_a_results_duration_is_rounded_to_the_millisecond(project, owner, client_for):
    run = make_run(project)
    make_result(make_job(run), make_test(project, "test_spins"), duration=0.30000000000000004)

    body = client_for(owner).get(f"/api/v1/runs/{run.pk}/results/").json()

    assert body["results"][0]["duration"] == 0.3


def test_a_result_without_a_duration_stays_null_in_a_tests_history(project, owner, client_for):
    test = make_test(project, "test_spins")
    make_result(make_job(make_run(project)), test, duration=None)
    make_result(make_job(make_run(project, minutes=1)), test, duration=2.00049)

    body = client_for(owner).get(f"/api/v1/tests/{test.pk}/history/").json()

    assert [entry["duration"] for entry in body["results"]] == [2.0, None]


def test_the_schema_still_types_durations_as_nullable_or_plain_numbers(tmp_path):
    call_command("spectacular", "--file", str(tmp_path / "schema.yaml"))
    schemas = yaml.safe_load((tmp_path / "schema.yaml").read_text())["components"]["schemas"]

    assert schemas["Counts"]["properties"]["duration"]["type"] == "number"
    for name in ("Result", "HistoryEntry"):
        duration = schemas[name]["properties"]["duration"]
        assert (duration["type"], duration.get("nullable")) == ("number", True)
