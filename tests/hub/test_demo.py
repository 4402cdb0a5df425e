"""The demo: generated reports that look like real CI history, seeded through the real ingest API."""

from __future__ import annotations

import io
import logging
import os
import subprocess
import sys
from collections import Counter, defaultdict
from datetime import date

import jsonschema
import pytest
import responses
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client

from agent.document import load_schema
from hub.demo.generator import generate
from hub.projects.models import Membership, Project
from hub.runs.management.commands.seed_demo import QUIET_LOGGERS
from hub.runs.models import Run, TestResult, Upload

END = date(2026, 11, 19)  # a Thursday: the two days before it are working days
LEDGER_MAIN_TESTS = ("acme-labs/ledger-api", "main", "test (3.11)", 1)
SMALL = ("--days", "2", "--end", END.isoformat())


@pytest.fixture(autouse=True)
def _fresh_throttle_counters():
    """Seeding posts hundreds of uploads in this process; the upload throttle counts them in the cache."""
    cache.clear()
    yield
    cache.clear()


def seed(*args: str) -> str:
    out = io.StringIO()
    call_command("seed_demo", *SMALL, *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_the_generator_runs_without_django():
    code = "import sys, hub.demo.generator; print(any(m.split('.')[0] == 'django' for m in sys.modules))"
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    answer = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
    assert answer.stdout.strip() == "False"


def test_every_document_satisfies_the_published_report_schema():
    validator = jsonschema.Draft202012Validator(load_schema())
    for upload in generate(seed=7, days=1, end=END):
        errors = [error.message for error in validator.iter_errors(upload.document)]
        assert errors == [], upload.idempotency_key


def test_the_same_seed_gives_the_same_documents():
    first = [(u.idempotency_key, u.document) for u in generate(seed=3, days=2, end=END)]
    again = [(u.idempotency_key, u.document) for u in generate(seed=3, days=2, end=END)]
    other = [(u.idempotency_key, u.document) for u in generate(seed=4, days=2, end=END)]
    assert first == again
    assert first != other


def test_each_job_of_a_run_attempt_has_its_own_idempotency_key():
    keys = [u.idempotency_key for u in generate(seed=7, days=3, end=END)]
    assert len(keys) == len(set(keys))


def test_pull_request_runs_name_their_branch_and_number():
    runs = [u.document["run"] for u in generate(seed=7, days=2, end=END)]
    on_prs = [run for run in runs if run.get("pull_request")]
    assert on_prs
    assert all(run["branch"] != "main" and "/" in run["branch"] for run in on_prs)
    github = [run for run in on_prs if run["provider"] == "github"]
    assert {run["event"] for run in github} == {"pull_request"}
    assert {run["base_branch"] for run in github} == {"main"}


def test_one_regression_breaks_main_at_a_commit_and_is_fixed_a_few_commits_later():
    outcomes = defaultdict(list)  # test -> its outcome on each main commit, in order
    for upload in generate(seed=7, days=21, end=END):
        run, job = upload.document["run"], upload.document["job"]
        if (upload.project, run["branch"], job["name"], run["attempt"]) == LEDGER_MAIN_TESTS:
            for case in upload.document["cases"]:
                outcomes[(case["classname"], case["name"])].append(case["status"])
    regressed = {name: statuses for name, statuses in outcomes.items() if statuses.count("failed") >= 3}
    assert regressed, "no test failed on three main commits"
    for statuses in regressed.values():
        first = statuses.index("failed")
        last = len(statuses) - 1 - statuses[::-1].index("failed")
        assert set(statuses[first : last + 1]) == {"failed"}  # broken from one commit until the fix
        assert 3 <= last - first + 1 <= 5
        assert statuses[last + 1 :], "not fixed within the window"
        assert set(statuses[last + 1 :]) == {"passed"}


def test_flaky_tests_sometimes_pass_on_a_retry_within_the_job():
    saved = [
        case
        for upload in generate(seed=7, days=5, end=END)
        for case in upload.document["cases"]
        if case["status"] == "passed" and case.get("reruns")
    ]
    assert saved
    assert all(rerun["status"] == "failed" and rerun["message"] for case in saved for rerun in case["reruns"])


def test_failed_runs_are_sometimes_run_again_as_a_second_attempt():
    conclusions = {}
    second = []
    for upload in generate(seed=7, days=5, end=END):
        run = upload.document["run"]
        if "conclusion" in run:
            conclusions[(run["run_id"], run["attempt"])] = run["conclusion"]
        if run["attempt"] == 2:
            second.append(run["run_id"])
    assert second
    assert {conclusions[(run_id, 1)] for run_id in second} == {"failure"}


@pytest.mark.django_db
def test_seeding_creates_the_demo_projects_with_owners_teammates_and_a_read_only_viewer():
    seed()
    assert set(Project.objects.values_list("provider", flat=True)) >= {"github", "gitlab", "circleci"}
    for project in Project.objects.all():
        roles = set(project.memberships.values_list("role", flat=True))
        assert roles == {Membership.Role.OWNER, Membership.Role.MEMBER, Membership.Role.READ_ONLY}
        assert project.memberships.get(role=Membership.Role.READ_ONLY).user.username == "viewer"


@pytest.mark.django_db
def test_the_read_only_viewer_signs_in_with_the_admins_password():
    output = seed("--admin-password", "demo-pass-42")

    assert "viewer / demo-pass-42, a read-only member" in output
    assert Client().login(username="viewer", password="demo-pass-42")


@pytest.mark.django_db
def test_seeded_runs_come_from_main_and_from_pull_requests():
    seed()
    assert Run.objects.filter(branch="main", pull_request__isnull=True).exists()
    assert Run.objects.filter(pull_request__isnull=False, base_branch="main").exists()
    assert Run.objects.filter(attempt=2).exists()


@pytest.mark.django_db
def test_seeded_results_include_failures_and_retries_within_a_job():
    seed()
    assert TestResult.objects.filter(final=True, status="failed").exists()
    assert TestResult.objects.filter(final=False, status="failed").exists()
    assert Run.objects.filter(flaky__gt=0).exists()


@pytest.mark.django_db
def test_seeding_twice_stores_nothing_new():
    seed()
    before = [m.objects.count() for m in (Project, Membership, Run, Upload, TestResult, get_user_model())]
    output = seed()
    after = [m.objects.count() for m in (Project, Membership, Run, Upload, TestResult, get_user_model())]
    assert after == before
    assert ", 0 stored," in output


@pytest.mark.django_db
def test_seeding_again_without_an_end_day_replays_the_first_window():
    seed()
    uploads = Upload.objects.count()
    out = io.StringIO()
    call_command("seed_demo", "--days", "2", stdout=out, stderr=io.StringIO())
    assert Upload.objects.count() == uploads
    assert f"before {END.isoformat()}" in out.getvalue()


@pytest.mark.django_db
def test_the_admin_logs_in_with_the_password_given():
    output = seed("--admin-password", "demo-pass-42")
    assert "as admin / demo-pass-42" in output
    assert Client().login(username="admin", password="demo-pass-42")


@pytest.mark.django_db
@responses.activate
def test_seeding_with_a_url_posts_to_that_hub_over_http():
    hub = Client()

    def forward(request):  # the hub "over there" is this one, reached through its WSGI handler
        headers = {
            f"HTTP_{k.upper().replace('-', '_')}": v
            for k, v in request.headers.items()
            if k.lower() not in ("content-type", "content-length")
        }
        answer = hub.generic(
            "POST", "/api/v1/reports", request.body, content_type="application/json", secure=True, **headers
        )
        return answer.status_code, dict(answer.headers), answer.content

    responses.add_callback(responses.POST, "http://hub.example:8000/api/v1/reports", callback=forward)
    seed("--url", "http://hub.example:8000/")
    assert len(responses.calls) == Upload.objects.count() > 0
    assert Run.objects.filter(project__full_name="acme-labs/ledger-api").exists()


@pytest.mark.django_db(transaction=True)  # each upload really commits, so its analysis is handed over
def test_seeding_in_process_analyses_each_upload_as_it_lands():
    from django_q.models import OrmQ

    from hub.failures.models import Failure
    from hub.flaky.models import TestHealth

    seed()
    assert Failure.objects.exists()
    assert TestHealth.objects.exists()
    assert not OrmQ.objects.exists()  # nothing left queued for the worker


@pytest.mark.django_db
def test_seeding_leaves_the_task_queue_mode_as_it_found_it():
    from django_q.conf import Conf

    before = Conf.SYNC
    seed()
    assert before == Conf.SYNC


@pytest.mark.django_db(transaction=True)
def test_seeding_records_no_django_q_success_per_upload():
    """django-q prunes its recorded successes by reading them all after every task: recording one per
    upload made seeding slower the further it got."""
    from django_q.models import Success

    seed()

    assert Upload.objects.exists()
    assert not Success.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_seeding_logs_no_line_per_upload_or_verdict(caplog):
    caplog.set_level(logging.INFO)

    seed()

    chatter = [r.getMessage() for r in caplog.records if r.levelno < logging.WARNING]
    assert chatter == []


@pytest.mark.django_db
def test_seeding_leaves_the_save_limit_and_log_levels_as_it_found_them():
    from django_q.conf import Conf

    before = Conf.SAVE_LIMIT, [logging.getLogger(name).level for name in QUIET_LOGGERS]
    seed()
    assert before == (Conf.SAVE_LIMIT, [logging.getLogger(name).level for name in QUIET_LOGGERS])


@pytest.mark.django_db(transaction=True)  # each upload commits, so detection judges it as it lands
def test_the_seeded_demo_labels_no_lint_check_flaky():
    from hub.flaky.models import StateChange

    seed("--days", "4")

    failed_on = TestResult.objects.filter(
        test__classname="lint", status="failed", run__pull_request__isnull=False
    )
    pull_requests = Counter(test for test, _ in set(failed_on.values_list("test", "run__pull_request")))
    assert max(pull_requests.values(), default=0) >= 2  # a check that two pull requests broke and mended
    labelled = StateChange.objects.filter(test__classname="lint", to_state__in=("flaky", "quarantined"))
    assert list(labelled.values_list("test__name", flat=True)) == []


DEMO_PAGE_CONTENT = {  # page: what shows that it has something to look at (not its empty state)
    "projects": ('<section class="card"', "Failing now"),
    "runs": ("PR #", "Failed"),
    "failed run": ('<article class="failure"',),
    "quarantined test": ("Quarantined", "mark"),
    "flaky": ("Flaky",),
    "fixed": ("Fixed",),
    "clusters": ("<tbody>",),
    "cluster": ("<tbody><tr>",),
    "fix jobs": ("Succeeded", "Awaiting verification", "Dead"),
    "merged fix job": ("<h2>Merge decision</h2>", "Validate: passed", "<h2>Rounds</h2>", "Round 2: "),
    "waiting fix job": ("<strong>Wait</strong> pull request #413", "Cancel the fix job"),
    "dead fix job": ("Try again", "Last error: ClientUnavailable"),
    "tasks": ("Retry invoice uploads on 503",),
    "task": ("Retry invoice uploads on 503", "/pull/"),
}
EMPTY = ("No runs match", "No failure clusters match", "No fix jobs match", "No tasks yet", "No tests match")


def demo_pages() -> dict[str, str]:
    from hub.failures.models import FailureCluster
    from hub.flaky.models import QuarantineEntry
    from hub.response.agents.models import Task
    from hub.response.models import FixJob

    ledger = Project.objects.get(full_name="acme-labs/ledger-api")
    fixers = FixJob.objects.filter(project=ledger, responder="fixer").order_by("id")
    return {
        "projects": "/",
        "runs": "/runs/",
        "failed run": f"/runs/{Run.objects.filter(project=ledger, conclusion='failure').latest('id').pk}/",
        "quarantined test": f"/tests/{QuarantineEntry.objects.filter(project=ledger).get().test_id}/",
        "flaky": "/flaky/",
        "fixed": "/flaky/fixed/",
        "clusters": "/clusters/",
        "cluster": f"/clusters/{FailureCluster.objects.filter(project=ledger).latest('last_seen').pk}/",
        "fix jobs": "/fix-jobs/",
        "merged fix job": f"/fix-jobs/{fixers.first().pk}/",
        "waiting fix job": f"/fix-jobs/{fixers.last().pk}/",
        "dead fix job": f"/fix-jobs/{FixJob.objects.get(project=ledger, state='dead').pk}/",
        "tasks": "/tasks/",
        "task": f"/tasks/{Task.objects.get(project=ledger).pk}/",
    }


@pytest.mark.django_db(transaction=True)  # each upload commits, so its analysis runs as it lands
def test_every_dashboard_page_of_the_demo_has_something_to_show_and_the_viewer_no_buttons():
    """One seeding for both (it is the slow part): the admin sees content on every page; the read-only
    viewer sees the same fix job without its buttons."""
    from hub.response.models import FixJob

    seed("--days", "5")
    admin, viewer = Client(), Client()
    admin.force_login(get_user_model().objects.get(username="admin"))
    viewer.force_login(get_user_model().objects.get(username="viewer"))

    missing = {}
    for name, path in demo_pages().items():
        response = admin.get(path)
        page = response.content.decode()
        lacking = [want for want in DEMO_PAGE_CONTENT[name] if want not in page]
        lacking += [empty for empty in EMPTY if empty in page]
        if response.status_code != 200 or lacking:
            missing[name] = (response.status_code, lacking)
    dead = viewer.get(f"/fix-jobs/{FixJob.objects.get(state='dead').pk}/").content.decode()

    assert missing == {}
    assert "Last error: ClientUnavailable" in dead
    assert "Try again" not in dead
