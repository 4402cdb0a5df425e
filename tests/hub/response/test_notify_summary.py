"""The run summary every notification renders, and who hears of a run: pure functions over plain facts."""

from __future__ import annotations

from hub.response.policy import schema
from hub.response.summary import (
    MAX_LISTED,
    Delivery,
    FailureFact,
    RunHeader,
    audience,
    summarise,
    wanted,
)

PR_RUN = RunHeader(
    "acme/widgets", "42", 1, conclusion="failure", pull_request=7, branch="fix", default_branch="main"
)
MAIN_RUN = RunHeader("acme/widgets", "43", 1, conclusion="failure", branch="main", default_branch="main")
WEBHOOK = "https://hooks.slack.com/services/T000/B000/XXXX"


def rules(**notify) -> dict:
    return {**schema.defaults()["notify"], **notify}


def test_each_failure_is_counted_by_kind_and_listed_worst_first():
    summary = summarise(
        PR_RUN,
        [
            FailureFact("t_quarantined", "build", "flaky", "quarantined"),
            FailureFact("t_flaky", "build", "", "flaky"),
            FailureFact("t_base", "build", "already_failing"),
            FailureFact("t_new", "build", "new"),
            FailureFact("t_branch", "build", ""),
        ],
    )

    assert summary.counts == {"new": 1, "failed": 1, "already_failing": 1, "flaky": 1, "quarantined": 1}
    assert [item.test for item in summary.listed] == [
        "t_new",
        "t_branch",
        "t_base",
        "t_flaky",
        "t_quarantined",
    ]


def test_a_suspected_flaky_test_counts_as_known_flaky():
    summary = summarise(PR_RUN, [FailureFact("t", "build", "new", "suspected")])

    assert summary.counts == {"flaky": 1}


def test_the_listing_is_bounded_and_the_rest_are_counted():
    facts = [FailureFact(f"t{n:03}", "build", "new") for n in range(MAX_LISTED + 5)]

    summary = summarise(PR_RUN, facts)

    assert (len(summary.listed), summary.unlisted, summary.failures) == (MAX_LISTED, 5, MAX_LISTED + 5)


def test_the_title_names_the_project_run_pull_request_and_conclusion():
    header = RunHeader("acme/widgets", "42", 2, workflow="CI", conclusion="timed_out", pull_request=7)

    assert summarise(header, []).title == "acme/widgets: CI run 42 (attempt 2) on pull request #7: timed out"


def test_a_green_run_is_not_announced_on_slack_or_email():
    green = RunHeader("acme/widgets", "42", 1, conclusion="success")

    assert not wanted(summarise(green, []), ["failure"]).act


def test_default_branch_failure_hears_only_of_the_default_branch():
    when = ["default_branch_failure"]

    assert wanted(summarise(MAIN_RUN, []), when).act
    assert not wanted(summarise(PR_RUN, [FailureFact("t", "b", "new")]), when).act


def test_new_failure_hears_only_of_runs_with_a_new_failure():
    when = ["new_failure"]

    assert wanted(summarise(PR_RUN, [FailureFact("t", "b", "new")]), when).act
    decision = wanted(summarise(PR_RUN, [FailureFact("t", "b", "already_failing")]), when)
    assert not decision.act
    assert "notify.when" in decision.reason


def test_the_pull_request_comment_follows_every_run_of_a_pull_request_green_ones_too():
    green = RunHeader("acme/widgets", "42", 1, conclusion="success", pull_request=7)

    deliveries, _ = audience(
        summarise(green, []), rules(pull_request_comment=True, slack_webhook_url=WEBHOOK)
    )

    assert deliveries == [Delivery("pull_request", "7")]


def test_a_failed_run_goes_to_slack_and_each_address():
    deliveries, _ = audience(
        summarise(MAIN_RUN, []), rules(slack_webhook_url=WEBHOOK, emails=["a@x.io", "b@x.io"])
    )

    assert deliveries == [
        Delivery("slack", WEBHOOK),
        Delivery("email", "a@x.io"),
        Delivery("email", "b@x.io"),
    ]


def test_a_delivery_never_shows_the_webhook_url():
    assert str(Delivery("slack", WEBHOOK)) == "Slack"


def test_the_default_policy_notifies_nobody():
    deliveries, reason = audience(summarise(PR_RUN, []), rules())

    assert deliveries == []
    assert reason == "no notify target in the policy"
