"""The figures' definitions, on plain rows: one behaviour each."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from hub.metrics.figures import (
    FailedRun,
    IssueClosed,
    Merge,
    Red,
    Resolution,
    Response,
    broke_something,
    iso_week,
    last_weeks,
    percentile,
    weekly,
)

MONDAY = datetime(2026, 11, 30, 9, tzinfo=UTC)  # ISO week 2026-W49
WEEK = iso_week(MONDAY)


def one_week(**rows) -> dict:
    return weekly([WEEK], **rows)[0].as_dict()


def test_the_last_days_of_december_can_belong_to_the_next_iso_year():
    assert iso_week(datetime(2026, 12, 31, tzinfo=UTC)) == "2026-W53"
    assert iso_week(datetime(2027, 12, 31, tzinfo=UTC)) == "2027-W52"
    assert iso_week(datetime(2025, 12, 29, tzinfo=UTC)) == "2026-W01"


def test_last_weeks_are_named_newest_first():
    assert last_weeks(MONDAY, 3) == ["2026-W49", "2026-W48", "2026-W47"]


def test_detection_rate_is_reported_failed_runs_the_hub_recorded_over_reported_failed_runs():
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
        Response("rerun", "succeeded", MONDAY),
        Response("rerun", "dead", MONDAY),
        Response("rerun", "cancelled", MONDAY),
        Response("issue", "succeeded", MONDAY),
    ]

    assert one_week(responses=responses)["response_success"] == {
        "issue": {"finished": 1, "succeeded": 1, "rate": 1.0},
        "rerun": {"finished": 2, "succeeded": 1, "rate": 0.5},
    }


def test_time_to_resolution_runs_from_the_first_failure_to_the_fix_or_heal():
    resolutions = [
        Resolution("test", MONDAY - timedelta(days=3), MONDAY),
        Resolution("test", MONDAY, MONDAY + timedelta(minutes=30)),
        Resolution("cluster", MONDAY, MONDAY + timedelta(minutes=20)),
    ]

    assert one_week(resolutions=resolutions)["time_to_resolution"] == {
        "resolved": 3,
        "tests": 2,
        "clusters": 1,
        "median_seconds": 1800.0,
        "max_seconds": 3 * 86400.0,
    }


def test_a_resolution_counts_in_the_week_of_the_fix_not_of_the_first_failure():
    late = Resolution("test", MONDAY - timedelta(days=10), MONDAY)
    assert one_week(resolutions=[late])["time_to_resolution"]["resolved"] == 1
    early = Resolution("test", MONDAY - timedelta(days=10), MONDAY - timedelta(days=7))
    assert one_week(resolutions=[early])["time_to_resolution"]["resolved"] == 0


def test_a_succeeded_fix_job_is_not_a_resolution_by_itself():
    assert one_week(responses=[Response("rerun", "succeeded", MONDAY)])["time_to_resolution"]["resolved"] == 0


def test_a_false_positive_is_a_re_run_whose_tests_failed_again():
    responses = [
        Response("rerun", "failed", MONDAY, failed_again=True),
        Response("rerun", "failed", MONDAY, failed_again=False),
        Response("rerun", "succeeded", MONDAY),
        Response("rerun", "succeeded", MONDAY),
    ]

    assert one_week(responses=responses)["false_positives"] == {
        "reruns_finished": 4,
        "failed_again": 1,
        "issues_closed": 0,
        "closed_as_not_a_problem": 0,
        "rate": 0.25,
    }


def test_an_issue_closed_as_not_a_problem_is_a_false_positive_among_closed_issues():
    responses = [Response("rerun", "succeeded", MONDAY)]
    closed = [IssueClosed(MONDAY, False), IssueClosed(MONDAY, True), IssueClosed(MONDAY, False)]

    assert one_week(responses=responses, issues_closed=closed)["false_positives"] == {
        "reruns_finished": 1,
        "failed_again": 0,
        "issues_closed": 3,
        "closed_as_not_a_problem": 1,
        "rate": 0.25,
    }


def test_a_job_counts_in_the_week_it_finished():
    last_week = Response("rerun", "succeeded", MONDAY - timedelta(days=7))

    assert one_week(responses=[last_week])["response_success"] == {}


# What the loop achieved: each definition with a table.


@pytest.mark.parametrize(
    ("before", "after", "broke"),
    [
        (set(), {"test_a"}, True),  # a test that passed before fails after the merge
        ({"test_a"}, {"test_a"}, False),  # already failing: not the fix's doing
        ({"test_a"}, set(), False),  # the fix fixed it
        ({"test_a"}, {"test_a", "test_b"}, True),  # one more failure than before
        (set(), None, False),  # the default branch has not run since: nothing is known
    ],
)
def test_a_merged_fix_broke_something_when_the_next_default_branch_run_fails_a_new_test(before, after, broke):
    merge = Merge(MONDAY, frozenset(before), None if after is None else frozenset(after))

    assert broke_something(merge) is broke


@pytest.mark.parametrize(
    ("values", "share", "expected"),
    [
        ([], 0.5, None),
        ([7.0], 0.9, 7.0),
        ([4.0, 1.0, 3.0, 2.0], 0.5, 2.0),
        ([4.0, 1.0, 3.0, 2.0], 0.9, 4.0),
        ([float(n) for n in range(1, 11)], 0.9, 9.0),
        ([float(n) for n in range(1, 11)], 0.5, 5.0),
    ],
)
def test_percentiles_are_nearest_rank(values, share, expected):
    assert percentile(values, share) == expected


def test_the_loop_counts_a_weeks_failed_runs_by_what_became_of_them():
    hour = timedelta(hours=1)
    reds = [
        Red(MONDAY, responded=False, fixed=False),
        Red(MONDAY, responded=True, fixed=False),
        Red(MONDAY, responded=True, fixed=True),
        Red(MONDAY, responded=True, fixed=True, merged=MONDAY + hour),
        Red(MONDAY, responded=True, fixed=True, merged=MONDAY + 3 * hour),
        Red(MONDAY - timedelta(days=7), responded=True, fixed=True, merged=MONDAY),  # last week's red
    ]

    loop = one_week(reds=reds)["loop"]

    assert {key: loop[key] for key in ("failures_seen", "responded", "fixed", "merged")} == {
        "failures_seen": 5,
        "responded": 4,
        "fixed": 3,
        "merged": 2,
    }
    assert (loop["red_to_merged_p50_seconds"], loop["red_to_merged_p90_seconds"]) == (3600.0, 10800.0)


def test_fixes_that_broke_something_count_by_the_week_of_the_merge_and_only_when_judged():
    merges = [
        Merge(MONDAY, frozenset(), frozenset({"test_b"})),
        Merge(MONDAY, frozenset({"test_a"}), frozenset()),
        Merge(MONDAY, frozenset(), None),
        Merge(MONDAY + timedelta(days=7), frozenset(), frozenset({"test_b"})),  # next week
    ]

    loop = one_week(merges=merges)["loop"]

    assert (loop["fixes_merged"], loop["fixes_judged"], loop["fixes_that_broke_something"]) == (3, 2, 1)


def test_wasted_reruns_are_reruns_whose_tests_failed_again():
    responses = [
        Response("rerun", "failed", MONDAY, failed_again=True),
        Response("rerun", "failed", MONDAY, failed_again=False),
        Response("rerun", "succeeded", MONDAY),
        Response("fixer", "failed", MONDAY, failed_again=True),  # only a re-run can be wasted
    ]

    assert one_week(responses=responses)["loop"]["reruns_wasted"] == 1


def test_a_week_without_merges_has_no_red_to_merged_time_rather_than_zero():
    loop = one_week(reds=[Red(MONDAY, responded=True, fixed=True)])["loop"]

    assert (loop["merged"], loop["red_to_merged_p50_seconds"], loop["red_to_merged_p90_seconds"]) == (
        0,
        None,
        None,
    )
