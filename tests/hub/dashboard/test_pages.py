"""The dashboard's pages as a member, a teammate, an outsider and a stranger see them (Django's test
client; tests/hub/dashboard/test_browser.py drives the same pages in Chromium)."""

from __future__ import annotations

import re

import pytest

from tests.hub.dashboard.conftest import MAIN_RUNS, many_failures

pytestmark = pytest.mark.django_db


def page_of(client, user, path: str) -> str:
    client.force_login(user)
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return response.content.decode()


def test_a_stranger_is_sent_to_sign_in_from_every_page(client, seeded):
    for path in ["/", "/runs/", f"/runs/{seeded.pr_run.pk}/", f"/tests/{seeded.wobbly.pk}/", "/flaky/"]:
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"].startswith("/login/?next=")


def test_signing_in_with_the_form_opens_the_projects(client, seeded):
    response = client.post("/login/", {"username": "tom", "password": "pw-tom-123"}, follow=True)

    assert response.redirect_chain[-1][0] == "/"
    assert "acme/widgets" in response.content.decode()


def test_a_wrong_password_says_what_to_do(client, seeded):
    page = client.post("/login/", {"username": "tom", "password": "nope"}).content.decode()

    assert "do not match: try again" in page


def test_projects_show_only_the_readers_projects(client, seeded):
    page = page_of(client, seeded_user(seeded, "tom"), "/")

    assert "acme/widgets" in page
    assert "globex/gadgets" not in page


def test_a_project_card_counts_failing_broken_and_quarantined_tests(client, seeded):
    page = page_of(client, seeded_user(seeded, "tom"), "/")

    figures = dict(re.findall(r"<dt>(?:<a [^>]*>)?([^<]+)(?:</a>)?</dt><dd>([^<]+)", page))
    assert figures["Failing now"].strip() == "1"  # test_checkout, broken on main
    assert figures["Broken"].strip() == "1"
    assert figures["Quarantined"].strip() == "1"
    assert figures["Open fix jobs"].strip() == "1"
    assert page.count('class="mark-link"') == MAIN_RUNS


def test_a_project_card_names_the_tests_failing_now(client, seeded):
    page = page_of(client, seeded_user(seeded, "tom"), "/")

    failing = page[page.index("Failing now on main") :]
    assert f'<a href="/tests/{seeded.checkout.pk}/">test_checkout</a>' in failing
    assert "5 runs in a row" in failing


def test_another_teams_pages_answer_404(client, seeded):
    client.force_login(seeded_user(seeded, "tom"))
    other_test = seeded.other_run.results.first().test_id

    assert client.get(f"/runs/{seeded.other_run.pk}/").status_code == 404
    assert client.get(f"/tests/{other_test}/").status_code == 404


def test_a_not_found_page_says_what_to_do_next(client, seeded):
    client.force_login(seeded_user(seeded, "tom"))

    response = client.get(f"/runs/{seeded.other_run.pk}/")

    assert "ask the project's owner to add you" in response.content.decode()
    assert 'href="/"' in response.content.decode()


def test_the_runs_list_leaves_out_other_teams_runs(client, seeded):
    page = page_of(client, seeded_user(seeded, "tom"), "/runs/")

    assert "acme/widgets" in page
    assert "globex/gadgets" not in page


def test_the_runs_list_filters_by_pull_request_and_status(client, seeded):
    page = page_of(client, seeded_user(seeded, "tom"), "/runs/?pull_request=7&status=failure&project=")

    assert page.count(f'href="/runs/{seeded.pr_run.pk}/"') == 1
    assert f'href="/runs/{seeded.main_run.pk}/"' not in page


def test_the_runs_list_filters_by_commit(client, seeded):
    page = page_of(client, seeded_user(seeded, "tom"), f"/runs/?commit_sha={'f' * 12}")

    assert re.findall(r'href="/runs/(\d+)/"', page) == [str(seeded.pr_run.pk)]


def test_the_runs_list_filters_by_branch_and_time(client, seeded):
    page = page_of(client, seeded_user(seeded, "tom"), "/runs/?branch=main&since=24h")

    assert len(re.findall(r'href="/runs/\d+/"', page)) == MAIN_RUNS
    assert f'href="/runs/{seeded.pr_run.pk}/"' not in page


def test_a_bad_filter_value_is_named_not_an_empty_list_without_reason(client, seeded):
    page = page_of(client, seeded_user(seeded, "tom"), "/runs/?pull_request=seven&since=forever")

    assert "pull_request:" in page
    assert "since: Pick a period from the list." in page


def test_a_run_shows_failures_before_jobs_with_their_classification(client, seeded):
    page = page_of(client, seeded_user(seeded, "tom"), f"/runs/{seeded.pr_run.pk}/")

    assert page.index('id="failures"') < page.index('id="jobs"')
    assert "New failure" in page  # test_stable passes on main
    assert "Known flaky" in page or "Quarantined" in page  # test_wobbly
    assert "KeyError: &#x27;basket&#x27;" in page
    assert "<details><summary>Trace</summary>" in page
    assert "<summary>Reproduce</summary>" in page
    assert f'href="/tests/{seeded.wobbly.pk}/"' in page


def test_a_new_failure_comes_before_a_known_flaky_one(client, seeded):
    page = page_of(client, seeded_user(seeded, "tom"), f"/runs/{seeded.pr_run.pk}/")

    assert page.index("test_widgets.test_stable</a>") < page.index("test_widgets.test_wobbly</a>")


def test_a_test_that_passed_on_retry_is_shown_as_such(client, seeded):
    page = page_of(client, seeded_user(seeded, "tom"), f"/runs/{seeded.main_run.pk}/")

    retried = page[page.index('id="retried"') :]
    assert "Passed on retry" in retried
    assert "test_login" in retried


def test_a_run_with_many_failures_shows_them_a_page_at_a_time(client, seeded):
    run = many_failures(seeded.project, 120)
    client.force_login(seeded_user(seeded, "tom"))

    first = client.get(f"/runs/{run.pk}/").content.decode()
    following = re.search(r'href="([^"]+)" rel="next">More failures', first).group(1).replace("&amp;", "&")
    second = client.get(following).content.decode()

    assert first.count('class="failure"') == 50
    assert second.count('class="failure"') == 50
    assert "test_case_00000" in first
    assert "test_case_00000" not in second


def test_a_made_up_cursor_is_a_404(client, seeded):
    client.force_login(seeded_user(seeded, "tom"))

    assert client.get(f"/runs/{seeded.pr_run.pk}/?cursor=not*base64").status_code == 404


def test_a_test_page_shows_its_timeline_verdict_evidence_and_quarantine(client, seeded):
    page = page_of(client, seeded_user(seeded, "tom"), f"/tests/{seeded.wobbly.pk}/")

    assert page.count('class="mark tone-') >= MAIN_RUNS
    assert "<polyline points=" in page
    assert "payments-team" in page
    assert "Flake score" in page
    assert re.search(r'Runs: <a href="/runs/\d+/">', page)  # evidence links its runs


def test_a_broken_test_shows_its_state_change_and_reason(client, seeded):
    page = page_of(client, seeded_user(seeded, "tom"), f"/tests/{seeded.checkout.pk}/")

    changes = page[page.index('id="changes"') :]
    assert "Broken" in changes
    assert "rule:" in changes


def test_the_flaky_board_filters_by_owner_and_state(client, seeded):
    user = seeded_user(seeded, "tom")
    owned = page_of(client, user, "/flaky/?owner=payments-team")
    broken = page_of(client, user, "/flaky/?state=broken")

    assert "test_wobbly" in owned
    assert "test_checkout" not in owned
    assert "test_checkout" in broken
    assert "test_wobbly" not in broken


def test_failure_clusters_show_a_sparkline_and_open_to_their_tests(client, seeded):
    user = seeded_user(seeded, "tom")
    page = page_of(client, user, "/clusters/")
    cluster = re.search(r'href="/clusters/(\d+)/"', page).group(1)
    detail = page_of(client, user, f"/clusters/{cluster}/")

    assert '<svg class="spark"' in page
    assert "Tests it touched" in detail
    assert "globex" not in page


def test_fix_jobs_list_and_detail_show_state_and_timeline(client, seeded):
    user = seeded_user(seeded, "tom")
    listing = page_of(client, user, "/fix-jobs/?state=dispatched")
    fix_job = re.search(r'href="/fix-jobs/(\d+)/"', listing).group(1)
    detail = page_of(client, user, f"/fix-jobs/{fix_job}/")

    assert "Re-run the failed jobs" in listing
    assert "Handed to a worker." in detail
    assert '<a href="https://github.com/acme/widgets/pull/7">PR #7</a>' in detail
    assert not re.search(r'href="/fix-jobs/\d+/"', page_of(client, user, "/fix-jobs/?state=succeeded"))


def test_an_outsider_sees_none_of_the_projects_flaky_tests_or_fix_jobs(client, seeded):
    user = seeded_user(seeded, "oscar")

    assert "test_wobbly" not in page_of(client, user, "/flaky/")
    assert not re.search(r'href="/fix-jobs/\d+/"', page_of(client, user, "/fix-jobs/"))


def seeded_user(seeded, name: str):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username=name)


def store_log(job, text: str):
    from hub.operations.models import JobLog, LogState

    return JobLog.objects.create(
        job=job, state=LogState.STORED, content=JobLog.compress(text.encode()), size=len(text), spans=[[2, 2]]
    )


def test_a_jobs_stored_log_is_linked_and_served_as_text_with_secrets_redacted(client, seeded):
    job = seeded.pr_run.jobs.get()
    store_log(job, "npm ci\nnpm ERR! 401 token ghp_0123456789abcdefghijklmnopqrstuvwxyzAB\n")
    client.force_login(seeded_user(seeded, "tom"))

    page = client.get(f"/runs/{seeded.pr_run.pk}/").content.decode()
    log = client.get(f"/jobs/{job.pk}/log.txt")

    assert f'href="/jobs/{job.pk}/log/">Open the log</a>' in page
    assert f'href="/jobs/{job.pk}/log.txt">plain text</a>' in page
    assert "the failure at line 2" in page
    assert log["Content-Type"] == "text/plain; charset=utf-8"
    assert "npm ERR! 401" in log.content.decode()
    assert "ghp_0123456789" not in log.content.decode()


def test_another_teams_job_log_is_a_404(client, seeded):
    job = seeded.other_run.jobs.get()
    store_log(job, "secret build output\n")
    client.force_login(seeded_user(seeded, "tom"))

    assert client.get(f"/jobs/{job.pk}/log.txt").status_code == 404


def test_a_clusters_sparkline_counts_its_failures_of_each_day(seeded):
    from datetime import timedelta

    from django.utils import timezone

    from hub.dashboard.views.clusters import daily_counts
    from hub.failures.models import Failure

    failures = Failure.objects.filter(test=seeded.checkout)
    cluster_ids = sorted(set(failures.values_list("cluster_id", flat=True)))
    moved = failures.filter(cluster_id=cluster_ids[0]).first()
    Failure.objects.filter(pk=moved.pk).update(created_at=timezone.now() - timedelta(days=2))

    counts = daily_counts(cluster_ids)

    today = {cid: Failure.objects.filter(cluster_id=cid).count() for cid in cluster_ids}
    today[cluster_ids[0]] -= 1
    assert {cid: days[-1] for cid, days in counts.items()} == today
    assert counts[cluster_ids[0]][-3] == 1
    assert all(len(days) == 14 for days in counts.values())


def test_a_tests_timeline_marks_a_pass_on_retry_as_such(client, seeded):
    from hub.runs.models import Test

    login = Test.objects.get(project=seeded.project, name="test_login")
    page = page_of(client, seeded_user(seeded, "tom"), f"/tests/{login.pk}/")

    strip = page[page.index('class="strip"') : page.index('id="durations"')]
    assert 'aria-label="Passed on retry"' in strip
    assert "on retry (attempt 2)" in strip


def test_a_project_card_gives_the_pass_rate_and_the_ci_time_lost_this_week(client, seeded):
    page = page_of(client, seeded_user(seeded, "tom"), "/")

    figures = dict(re.findall(r"<dt>(?:<a [^>]*>)?([^<]+)(?:</a>)?</dt><dd>([^<]+)", page))
    assert figures["Pass rate, 7 days"].strip() == "20%"  # main runs 1 and 4 of 10 passed
    assert figures["CI time lost this week"].strip() == "32 min"  # 8 failed runs of 4 minutes
