"""The figures' definitions, on plain rows: one behaviour each."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hub.metrics.figures import FailedRun, Response, iso_week, last_weeks, weekly

MONDAY = datetime(2026, 11, 30, 9, tzinfo=UTC)  # ISO week 2026-W49
WEEK = iso_week(MONDAY)


def one_week(failed_runs=(), responses=()) -> dict:
    return weekly(failed_runs, responses, [WEEK])[0].as_dict()


def test_the_last_days_of_december_can_belong_to_the_next_iso_year():
    assert iso_week(datetime(2026, 12, 31, tzinfo=UTC)) == "2026-W53"
    assert iso_week(datetime(2027, 12, 31, tzinfo=UTC)) == "2027-W52"
    assert iso_week(datetime(2025, 12, 29, tzinfo=UTC)) == "2026-W01"


def test_last_weeks_are_named_newest_first():
    assert last_weeks(MONDAY, 3) == ["2026-W49", "2026-W48", "2026-W47"]


def test_detection_rate_is_failed_runs_with_uploads_over_failed_runs():
    runs = [
        FailedRun(MONDAY, True),
        FailedRun(MONDAY, True),
        FailedRun(MONDAY, False),
        FailedRun(MONDAY, True),
    ]

    assert one_week(failed_runs=runs)["failure_detection"] == {"failed_runs": 4, "detected": 3, "rate": 0.75}


def test_a_week_without_failed_runs_has_no_detection_rate_rather_than_zero():
    assert one_week()["failure_detection"]["rate"] is None


def test_rows_outside_the_weeks_asked_for_are_left_out():
    assert (
        one_week(failed_runs=[FailedRun(MONDAY - timedelta(days=7), False)])["failure_detection"][
            "failed_runs"
        ]
        == 0
    )


def test_response_success_is_per_responder_and_ignores_cancelled_jobs():
    responses = [
        Response("rerun", "succeeded", MONDAY, MONDAY),
        Response("rerun", "dead", MONDAY, MONDAY),
        Response("rerun", "cancelled", MONDAY, MONDAY),
        Response("issue", "succeeded", MONDAY, MONDAY),
    ]

    assert one_week(responses=responses)["response_success"] == {
        "issue": {"finished": 1, "succeeded": 1, "rate": 1.0},
        "rerun": {"finished": 2, "succeeded": 1, "rate": 0.5},
    }


def test_time_to_resolution_runs_from_the_failure_to_the_success_of_its_fix():
    responses = [
        Response("rerun", "succeeded", MONDAY, MONDAY + timedelta(minutes=10)),
        Response("rerun", "succeeded", MONDAY, MONDAY + timedelta(minutes=30)),
        Response("rerun", "succeeded", MONDAY, MONDAY + timedelta(minutes=20)),
        Response("rerun", "failed", MONDAY, MONDAY + timedelta(hours=5)),
    ]

    assert one_week(responses=responses)["time_to_resolution"] == {
        "resolved": 3,
        "median_seconds": 1200.0,
        "max_seconds": 1800.0,
    }


def test_a_false_positive_is_a_re_run_whose_tests_failed_again():
    responses = [
        Response("rerun", "failed", MONDAY, MONDAY, failed_again=True),
        Response("rerun", "failed", MONDAY, MONDAY, failed_again=False),
        Response("rerun", "succeeded", MONDAY, MONDAY),
        Response("rerun", "succeeded", MONDAY, MONDAY),
    ]

    assert one_week(responses=responses)["false_positives"] == {
        "reruns_finished": 4,
        "failed_again": 1,
        "rate": 0.25,
    }


def test_a_job_counts_in_the_week_it_finished_not_the_week_it_started():
    late = Response("rerun", "succeeded", MONDAY - timedelta(days=7), MONDAY)

    assert one_week(responses=[late])["response_success"]["rerun"]["finished"] == 1
