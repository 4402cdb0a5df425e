"""The admin shows durations in a person's units ("2 min 18 s", "12 ms"), never ``137.5889``."""

from __future__ import annotations

import pytest
from django.urls import reverse

from hub.runs.durations import human_duration
from tests.hub.api.factories import make_job, make_result, make_run, make_test


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [
        (None, "-"),
        (0, "0 ms"),
        (0.0004, "<1 ms"),
        (0.0123, "12 ms"),
        (0.9996, "1.0 s"),
        (3.25, "3.2 s"),
        (59.96, "1 min 0 s"),
        (137.5889, "2 min 18 s"),
        (3725, "1 h 2 min"),
    ],
)
def test_a_duration_reads_in_the_unit_a_person_would_use(seconds, shown):
    assert human_duration(seconds) == shown


@pytest.fixture
def slow_run(project):
    run = make_run(project, duration=137.5889)
    make_result(make_job(run), make_test(project, "test_slow"), duration=89.67280000000001)
    return run


@pytest.mark.django_db
def test_a_runs_page_shows_its_total_duration_in_minutes_and_seconds(admin_client, slow_run):
    page = admin_client.get(reverse("admin:runs_run_change", args=[slow_run.pk])).content.decode()

    assert "2 min 18 s" in page
    assert "137.5889" not in page


@pytest.mark.django_db
def test_the_results_list_a_result_and_a_tests_history_show_human_durations(admin_client, slow_run):
    result = slow_run.results.get()
    pages = [
        reverse("admin:runs_testresult_changelist"),
        reverse("admin:runs_testresult_change", args=[result.pk]),
        reverse("admin:runs_test_change", args=[result.test_id]),
    ]

    for url in pages:
        page = admin_client.get(url).content.decode()
        assert "1 min 30 s" in page, url
        assert "89.67" not in page, url
