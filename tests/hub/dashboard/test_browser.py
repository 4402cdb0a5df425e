"""The dashboard in a real browser: Debian's Chromium driven by Playwright (no browser download), against
pytest-django's live server and data landed through the real ingest API.

Every page loads with no console errors and passes a small automated accessibility check (a11y.js); a
screenshot of each, at 1280 pixels and on a phone, goes to var/screenshots/ (CI keeps that folder).
Skipped with the reason when Chromium or Playwright is missing (``.ci/run`` installs both).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from tests.hub.dashboard.conftest import MAIN_RUNS

CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
if not CHROMIUM:
    pytest.skip("Chromium is not installed (apt-get install chromium; .ci/run does)", allow_module_level=True)
sync_api = pytest.importorskip(
    "playwright.sync_api", reason="Playwright is not installed (pip install '.[dev]')"
)

SCREENSHOTS = Path(__file__).resolve().parents[3] / "var" / "screenshots"
A11Y = (Path(__file__).parent / "a11y.js").read_text()
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="module")
def browser() -> Iterator:
    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls (fixtures, seeding)
    # are synchronous and safe here, so Django's guard against ORM use beside a loop is lifted for them.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield chromium
        chromium.close()
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


class Session:
    """A browser context signed in as one person, recording console errors and failed requests."""

    def __init__(self, browser, base_url: str, username: str | None, **options) -> None:
        self.context = browser.new_context(base_url=base_url, **options)
        if username:
            client = Client()
            client.force_login(get_user_model().objects.get(username=username))
            cookie = client.cookies["sessionid"]
            self.context.add_cookies([{"name": "sessionid", "value": cookie.value, "url": base_url}])
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

    def open(self, path: str):
        return self.page.goto(path, wait_until="load")

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def session(browser, live_server, seeded) -> Iterator:
    """``session(username, **context_options)``: a signed-in browser context; closed after the test."""
    opened: list[Session] = []

    def make(username: str | None = "tom", **options) -> Session:
        opened.append(Session(browser, live_server.url, username, **options))
        return opened[-1]

    yield make
    for each in opened:
        each.close()


def stored_log(seeded) -> int:
    """A job of the pull request's run with a stored log (colours, a fold, a diagnosed line)."""
    from hub.operations.models import JobLog, LogState

    job = seeded.pr_run.jobs.first()
    text = "\x1b[32msetup\x1b[0m\n##[group]Tests\nFAILED test_stable - KeyError: 'basket'\n##[endgroup]\n"
    stored = {"content": JobLog.compress(text.encode()), "size": len(text), "spans": [[3, 3]]}
    JobLog.objects.get_or_create(job=job, defaults={"state": LogState.STORED, **stored})
    return job.pk


def a_task(seeded) -> int:
    """An owner's task for the project's coding agent, made by the service the task form uses."""
    from hub.response.agents.models import Task
    from hub.response.services import agent_tasks
    from tests.hub.response.conftest import agent_fixtures

    task = Task.objects.filter(project=seeded.project).first()
    if task is None:
        agent_fixtures.route(seeded.project)
        owner = get_user_model().objects.get(username="olivia")
        fields = {"title": "Retry uploads on 503", "description": "Retry with backoff.", "priority": "high"}
        task = agent_tasks.create(seeded.project, fields, owner)
    return task.pk


def pages(seeded) -> dict[str, str]:
    from hub.failures.models import FailureCluster
    from hub.response.models import FixJob

    return {
        "projects": "/",
        "runs": "/runs/",
        "run": f"/runs/{seeded.pr_run.pk}/",
        "test": f"/tests/{seeded.wobbly.pk}/",
        "flaky": "/flaky/",
        "fixed": "/flaky/fixed/",
        "clusters": "/clusters/",
        "cluster": f"/clusters/{FailureCluster.objects.filter(project=seeded.project).first().pk}/",
        "fix-jobs": "/fix-jobs/",
        "fix-job": f"/fix-jobs/{FixJob.objects.get(project=seeded.project).pk}/",
        "tasks": "/tasks/",
        "task": f"/tasks/{a_task(seeded)}/",
        "task-new": "/tasks/new/",
        "log": f"/jobs/{stored_log(seeded)}/log/",
        "trigger": f"/projects/{seeded.project.pk}/trigger/?workflow=ci.yml",
        "not-allowed": f"/projects/{seeded.project.pk}/trigger/",
        "login": "/login/",
    }


VISITORS = {"login": None, "task-new": "olivia", "not-allowed": "rita"}  # the others: tom, a member
STATUS = {"not-allowed": 403}  # a read-only member's refusal page


PAGE_NAMES = (
    "projects",
    "runs",
    "run",
    "test",
    "flaky",
    "fixed",
    "clusters",
    "cluster",
    "fix-jobs",
    "fix-job",
    "tasks",
    "task",
    "task-new",
    "log",
    "trigger",
    "not-allowed",
    "login",
)


@pytest.mark.parametrize("name", PAGE_NAMES)
def test_the_page_loads_without_console_errors_and_passes_the_accessibility_check(
    session, seeded, reader, name
):
    path = pages(seeded)[name]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for label, size in (("desktop", DESKTOP), ("phone", PHONE)):
        visitor = session(VISITORS.get(name, "tom"), viewport=size)
        response = visitor.open(path)

        assert response.status == STATUS.get(name, 200)
        refused = f"the server responded with a status of {response.status}"  # the page's own status
        assert [error for error in visitor.errors if response.ok or refused not in error] == []
        assert visitor.page.evaluate(A11Y) == []
        visitor.page.screenshot(path=str(SCREENSHOTS / f"{name}-{label}.png"), full_page=True)


def test_a_phone_never_needs_a_horizontal_scroll(session, seeded, reader):
    visitors = {}
    for name, path in pages(seeded).items():
        who = VISITORS.get(name, "tom")
        visitor = visitors.get(who) or visitors.setdefault(who, session(who, viewport=PHONE))
        visitor.open(path)
        overflow = visitor.page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, path


def test_dark_mode_follows_the_system_setting(session, seeded):
    visitor = session(color_scheme="dark", viewport=DESKTOP)
    visitor.open(f"/runs/{seeded.pr_run.pk}/")
    background = visitor.page.evaluate("getComputedStyle(document.body).backgroundColor")
    visitor.page.screenshot(path=str(SCREENSHOTS / "run-dark.png"), full_page=True)

    assert background == "rgb(20, 23, 27)"
    assert visitor.page.evaluate(A11Y) == []


def test_times_are_shown_in_the_readers_zone(session, seeded):
    visitor = session(timezone_id="Asia/Tokyo", locale="en-GB")
    visitor.open(f"/runs/{seeded.pr_run.pk}/")
    shown = visitor.page.locator(".meta time").first

    assert "UTC" not in shown.inner_text()
    assert "GMT+9" in shown.inner_text() or "JST" in shown.inner_text()
    assert shown.get_attribute("title").endswith("Z")


def test_a_keyboard_reaches_the_skip_link_first_and_it_jumps_to_the_content(session, seeded):
    visitor = session()
    visitor.open("/")
    visitor.page.keyboard.press("Tab")
    first = visitor.page.evaluate("document.activeElement.textContent.trim()")
    visitor.page.keyboard.press("Enter")

    assert first == "Skip to content"
    assert visitor.page.evaluate("location.hash") == "#content"


def test_a_keyboard_reaches_every_link_of_the_navigation(session, seeded):
    visitor = session()
    visitor.open("/")
    focused = []
    for _ in range(8):
        visitor.page.keyboard.press("Tab")
        focused.append(visitor.page.evaluate("document.activeElement.textContent.trim()"))

    assert {"Projects", "Runs", "Flaky tests", "Failure clusters", "Fix jobs"} <= set(focused)


def test_signing_in_through_the_form_opens_the_projects(session, seeded):
    visitor = session(None)
    visitor.open("/runs/")
    visitor.page.get_by_label("User name").fill("tom")
    visitor.page.get_by_label("Password").fill("pw-tom-123")
    visitor.page.get_by_role("button", name="Sign in").click()
    visitor.page.wait_for_url("**/runs/")

    assert visitor.page.get_by_role("heading", level=1).inner_text() == "Runs"


def test_another_teams_run_is_not_found_in_the_browser(session, seeded):
    visitor = session()
    response = visitor.open(f"/runs/{seeded.other_run.pk}/")

    assert response.status == 404
    assert visitor.page.get_by_role("heading", level=1).inner_text() == "Not found"
    assert visitor.page.evaluate(A11Y) == []


def test_the_runs_filters_narrow_the_list(session, seeded):
    visitor = session()
    visitor.open("/runs/")
    visitor.page.get_by_label("Pull request").fill("7")
    visitor.page.get_by_label("Status").select_option("failure")
    visitor.page.get_by_role("button", name="Filter").click()
    visitor.page.wait_for_url("**pull_request=7**")
    rows = visitor.page.locator("table tbody tr")

    assert rows.count() == 1
    assert "PR #7" in rows.first.inner_text()
    assert "Failed" in rows.first.inner_text()


def test_a_project_card_leads_to_a_failed_run_and_its_error(session, seeded):
    visitor = session()
    visitor.open("/")
    marks = visitor.page.locator(".card .marks a")
    assert marks.count() == MAIN_RUNS
    marks.last.click()  # the newest run on main: failed, test_checkout broken
    visitor.page.wait_for_url("**/runs/*/")
    failure = visitor.page.locator("article.failure").first

    assert "test_checkout" in failure.inner_text()
    assert "assert 10 == 4" in failure.inner_text()
    visitor.page.locator("article.failure summary", has_text="Trace").first.click()
    assert visitor.page.locator("article.failure pre").first.is_visible()


def test_an_owner_gives_the_agent_a_task_from_the_form_and_lands_on_its_page(session, seeded):
    from hub.response.agents.models import Task
    from tests.hub.response.conftest import agent_fixtures

    agent_fixtures.route(seeded.project)
    visitor = session("olivia", viewport=DESKTOP)
    visitor.open("/tasks/")
    visitor.page.get_by_role("link", name="Give the agent a task").click()
    visitor.page.wait_for_url("**/tasks/new/")
    assert visitor.page.evaluate(A11Y) == []
    visitor.page.get_by_label("Goal (a title)").fill("Retry uploads on 503")
    visitor.page.get_by_label("What the agent should do, and why").fill("Retry with backoff.")
    visitor.page.get_by_label("Priority").select_option("high")
    visitor.page.get_by_role("button", name="Send to the agent…").click()
    visitor.page.get_by_role("button", name="Yes, do it").click()
    visitor.page.wait_for_url("**/tasks/*/")

    task = Task.objects.get()
    assert (task.title, task.priority, task.project) == ("Retry uploads on 503", "high", seeded.project)
    assert f"Task {task.pk} sent to acme/widgets's coding agent." in visitor.page.inner_text("main")
    assert visitor.page.evaluate(A11Y) == []
    assert visitor.errors == []
    visitor.page.screenshot(path=str(SCREENSHOTS / "task-desktop.png"), full_page=True)


def test_a_read_only_member_sees_the_pages_without_any_action_button(session, seeded, reader):
    from hub.response.models import FixJob

    fix_job = FixJob.objects.get(project=seeded.project)
    paths = [
        f"/runs/{seeded.pr_run.pk}/",
        f"/tests/{seeded.wobbly.pk}/",
        f"/fix-jobs/{fix_job.pk}/",
        "/tasks/",
    ]
    member, read_only = session("tom", viewport=DESKTOP), session("rita", viewport=DESKTOP)
    posts = "main form[method=post]"

    member.open(paths[2])
    assert member.page.locator(posts).count() > 0  # the same page offers a member its buttons
    for path in paths:
        assert read_only.open(path).status == 200
        assert read_only.page.locator(posts).count() == 0, path
        assert read_only.page.locator("main .actions a, main a.button").count() == 0, path
        assert read_only.page.evaluate(A11Y) == [], path
    read_only.page.screenshot(path=str(SCREENSHOTS / "tasks-read-only.png"), full_page=True)
    assert read_only.errors == []
