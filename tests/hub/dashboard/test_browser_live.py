"""The log viewer, the buttons and live updates in Chromium (the fixtures and checks of test_browser.py):
a page open, a change committed, the page shows it; a button pressed, confirmed, and its answer shown,
against GitHub faked at the HTTP boundary."""

from __future__ import annotations

import time

import pytest

from hub.operations.models import Action, JobLog, LogState
from hub.response.models import FixJob, FixState
from hub.response.services import fix_jobs
from tests.hub.dashboard.test_browser import A11Y, DESKTOP, SCREENSHOTS, browser, session  # noqa: F401
from tests.hub.operations.conftest import api, github_run, give_token, repo_url  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)


ESC = "\x1b"


def test_a_fix_job_moving_shows_on_its_open_page_without_a_reload(session, seeded):  # noqa: F811
    job = FixJob.objects.get(project=seeded.project)
    visitor = session(viewport=DESKTOP)
    visitor.open(f"/fix-jobs/{job.pk}/")
    visitor.page.wait_for_selector("html[data-live-mode=stream]", timeout=5000)

    fix_jobs.transition(job, FixState.RUNNING, "A worker picked it up.")
    started = time.monotonic()
    visitor.page.wait_for_selector("main >> text=A worker picked it up.", timeout=5000)

    assert time.monotonic() - started < 3.0
    assert visitor.errors == []


def test_through_a_proxy_that_refuses_streams_the_page_polls_and_still_updates(session, seeded):  # noqa: F811
    job = FixJob.objects.get(project=seeded.project)
    visitor = session(viewport=DESKTOP)
    visitor.page.route("**/live/stream/**", lambda route: route.fulfill(status=503, body="{}"))
    visitor.open(f"/fix-jobs/{job.pk}/")
    visitor.page.wait_for_selector("html[data-live-mode=poll]", timeout=5000)

    fix_jobs.transition(job, FixState.RUNNING, "Picked up while polling.")

    visitor.page.wait_for_selector("main >> text=Picked up while polling.", timeout=5000)


def test_the_log_viewer_loads_clean_and_passes_the_accessibility_check(session, seeded):  # noqa: F811
    job = seeded.pr_run.jobs.first()
    text = (
        "".join(f"{ESC}[32mstep {n}{ESC}[0m\n" for n in range(1, 40))
        + "##[group]Tests\nFAILED x\n##[endgroup]\n"
    )
    JobLog.objects.create(
        job=job,
        state=LogState.STORED,
        content=JobLog.compress(text.encode()),
        size=len(text),
        spans=[[41, 41]],
    )
    visitor = session(viewport=DESKTOP)

    visitor.open(f"/jobs/{job.pk}/log/")
    visitor.page.click("text=Jump to the error (line 41)")

    assert visitor.page.evaluate("location.hash") == "#L41"
    assert visitor.page.is_visible("#L41")
    assert visitor.errors == []
    assert visitor.page.evaluate(A11Y) == []
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    visitor.page.screenshot(path=str(SCREENSHOTS / "log-desktop.png"), full_page=True)


def test_re_run_failed_jobs_is_confirmed_sent_to_the_ci_and_answered(session, seeded, api):  # noqa: F811
    give_token(seeded.project)
    run = seeded.pr_run
    run.provider_run_id = "30433642"  # GitHub's ids are numbers; the seeded reports name theirs freely
    run.save(update_fields=["provider_run_id"])
    api.post(repo_url(seeded.project, f"/actions/runs/{run.provider_run_id}/rerun-failed-jobs"), status=201)
    api.get(
        repo_url(seeded.project, f"/actions/runs/{run.provider_run_id}"), json=github_run(77, run_attempt=2)
    )
    visitor = session(viewport=DESKTOP)
    visitor.open(f"/runs/{run.pk}/")

    visitor.page.click("text=Re-run failed jobs")
    visitor.page.wait_for_selector("text=Re-run the failed jobs of this run at the CI?")
    assert visitor.page.evaluate(A11Y) == []
    visitor.page.click("text=Yes, do it")
    visitor.page.wait_for_selector(".messages")

    assert "re-run of the failed jobs requested" in visitor.page.inner_text(".messages")
    assert Action.objects.get().via == "web"
    assert visitor.errors == []


def test_a_live_refresh_keeps_the_message_of_the_action_just_taken(session, seeded):  # noqa: F811
    from hub.outbox.services.live import changed

    visitor = session(viewport=DESKTOP)
    visitor.open(f"/runs/{seeded.pr_run.pk}/")
    visitor.page.wait_for_selector("html[data-live-mode=stream]", timeout=5000)
    visitor.page.evaluate(
        "document.querySelector('main').insertAdjacentHTML('afterbegin',"
        ' \'<ul class="messages" role="status"><li>Quarantined.</li></ul>\')'
    )
    refreshes = "Number(document.documentElement.getAttribute('data-live-refreshes') || 0)"
    before = visitor.page.evaluate(refreshes)

    changed("run.moved", seeded.project.pk, run_id=seeded.pr_run.pk)
    visitor.page.wait_for_function(f"{refreshes} > {before}", timeout=5000)

    assert visitor.page.inner_text(".messages") == "Quarantined."


def test_a_change_never_throws_away_what_the_reader_typed(session, seeded):  # noqa: F811
    from hub.outbox.services.live import changed

    visitor = session(viewport=DESKTOP)
    visitor.open("/runs/")
    visitor.page.wait_for_selector("html[data-live-mode=stream]", timeout=5000)
    visitor.page.wait_for_timeout(1500)  # a refresh for the seeding's last second, if any, is over
    refreshes = "document.documentElement.getAttribute('data-live-refreshes')"
    before = visitor.page.evaluate(refreshes)
    visitor.page.get_by_label("Pull request").fill("7")
    visitor.page.locator("h1").click()  # the field loses focus, its value stays typed

    changed("run.moved", seeded.project.pk, run_id=seeded.pr_run.pk)
    visitor.page.wait_for_timeout(1500)

    assert visitor.page.get_by_label("Pull request").input_value() == "7"
    assert visitor.page.evaluate(refreshes) == before


def test_the_trigger_form_loads_clean_and_passes_the_accessibility_check(session, seeded):  # noqa: F811
    visitor = session(viewport=DESKTOP)

    response = visitor.open(f"/projects/{seeded.project.pk}/trigger/?workflow=ci.yml&ref=main")

    assert response.status == 200
    assert visitor.page.get_by_label("Branch or tag").input_value() == "main"
    assert visitor.errors == []
    assert visitor.page.evaluate(A11Y) == []
    visitor.page.screenshot(path=str(SCREENSHOTS / "trigger-desktop.png"), full_page=True)
