"""``GET /metrics``: the hub's figures in Prometheus' text format, read back with prometheus_client's own
parser; answered only to the bearer of METRICS_TOKEN or from METRICS_ALLOWED_IPS."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from django_q.models import OrmQ
from prometheus_client.parser import text_string_to_metric_families

from hub.outbox.models import OwedWork, WorkState
from hub.response.models import Effect, FixJob, FixJobEvent
from hub.runs.models import Run
from tests.hub.conftest import case, report

pytestmark = pytest.mark.django_db

TOKEN = "scrape-me-0123456789"


@pytest.fixture
def with_token(settings):
    settings.METRICS_TOKEN = TOKEN
    settings.METRICS_ALLOWED_IPS = []


def scrape(client, **headers) -> dict[str, dict[tuple, float]]:
    """Each family's samples as {labels: value}, parsed by prometheus_client."""
    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}", **headers})
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain; version=")
    return {
        family.name: {tuple(sorted(sample.labels.items())): sample.value for sample in family.samples}
        for family in text_string_to_metric_families(response.content.decode())
    }


def test_uploads_and_results_stored_are_counted(client, with_token, agent):
    agent.post_report(report(case("test_a"), case("test_b", "failed")))
    agent.post_report(report(case("test_c"), run_id="1002"))

    figures = scrape(client)

    assert figures["orchestrate_uploads"] == {(): 2.0}
    assert figures["orchestrate_results_stored"] == {(): 3.0}


def test_fix_jobs_are_counted_by_state_and_responder(client, with_token, project):
    for number, state in enumerate(["pending", "dead", "dead"]):
        FixJob.objects.create(project=project, responder="rerun", key=f"rerun:{number}:1", state=state)

    jobs = scrape(client)["orchestrate_fix_jobs"]

    assert jobs == {
        (("responder", "rerun"), ("state", "dead")): 2.0,
        (("responder", "rerun"), ("state", "pending")): 1.0,
    }


def test_runs_are_counted_by_status_and_conclusion(client, with_token, project):
    Run.objects.create(project=project, provider="github", provider_run_id="1", status="completed",
                       conclusion="failure")  # fmt: skip
    Run.objects.create(project=project, provider="github", provider_run_id="2", status="in_progress")

    runs = scrape(client)["orchestrate_runs"]

    assert runs == {
        (("conclusion", "failure"), ("status", "completed")): 1.0,
        (("conclusion", "none"), ("status", "in_progress")): 1.0,
    }


def test_owed_work_and_the_task_queue_show_their_depth_and_oldest_age(client, with_token):
    now = timezone.now()
    OwedWork.objects.create(
        topic="upload.stored", subject_id=1, consumer="a", created_at=now - timedelta(minutes=5)
    )
    OwedWork.objects.create(topic="upload.stored", subject_id=2, consumer="a", state=WorkState.DONE,
                            created_at=now - timedelta(hours=5))  # fmt: skip
    OrmQ.objects.create(key="orchestrate", payload="x", lock=now - timedelta(seconds=90))
    OrmQ.objects.create(key="orchestrate", payload="y", lock=now + timedelta(seconds=60))  # taken by a worker

    figures = scrape(client)

    assert figures["orchestrate_owed_work"] == {(): 1.0}
    assert 300 <= figures["orchestrate_owed_work_oldest_age_seconds"][()] < 330
    assert figures["orchestrate_task_queue_depth"] == {(): 1.0}
    assert 90 <= figures["orchestrate_task_queue_oldest_age_seconds"][()] < 120


def test_without_the_token_the_scrape_is_refused_saying_how_to_send_it(client, with_token):
    response = client.get("/metrics", headers={"Authorization": "Bearer wrong"})

    assert response.status_code == 403
    assert b"Authorization: Bearer" in response.content


def test_an_allowed_address_scrapes_without_a_token(client, settings):
    settings.METRICS_TOKEN, settings.METRICS_ALLOWED_IPS = None, ["10.0.0.0/8"]

    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="192.168.1.1").status_code == 403


def test_with_neither_setting_metrics_is_closed_and_says_what_to_set(client, settings):
    settings.METRICS_TOKEN, settings.METRICS_ALLOWED_IPS = None, []

    response = client.get("/metrics")

    assert response.status_code == 403
    assert b"set METRICS_TOKEN or METRICS_ALLOWED_IPS" in response.content


def test_a_bad_allowed_address_is_named(client, settings):
    settings.METRICS_TOKEN, settings.METRICS_ALLOWED_IPS = None, ["10.0.0.300"]

    with pytest.raises(ImproperlyConfigured, match=r"'10\.0\.0\.300' is not an address or network"):
        client.get("/metrics")


def test_failed_runs_the_ci_reported_are_counted_by_whether_the_hub_recorded_why(
    client, with_token, project, agent, run_tasks
):
    with run_tasks():
        agent.post_report(report(case("test_a", "failed", message="AssertionError"), run_id="1"))
    Run.objects.create(project=project, provider="github", provider_run_id="2")
    Run.objects.create(project=project, provider="github", provider_run_id="3", from_provider=False)
    Run.objects.update(status="completed", conclusion="failure")
    Run.objects.exclude(provider_run_id="3").update(from_provider=True)

    assert scrape(client)["orchestrate_failed_runs_reported"] == {
        (("detected", "yes"),): 1.0,
        (("detected", "no"),): 1.0,
    }


def test_issues_closed_are_counted_as_resolved_or_not_a_problem(client, with_token, project):
    closing = FixJob.objects.create(project=project, responder="issues", key="issue:1:change:2")
    FixJobEvent.objects.create(fix_job=closing, to_state="succeeded", reason="closed issue #1",
                               detail={"move": "close", "was": "open"})  # fmt: skip
    dismissed = FixJob.objects.create(project=project, responder="issues", key="issue:2:change:1")
    once = [{"at": "2026-12-07T10:00:00+00:00", "by": "maintainer"}]
    Effect.objects.create(fix_job=dismissed, key="issue:2", kind="issue", state="done",
                          detail={"state": "dismissed", "dismissals": once})  # fmt: skip

    assert scrape(client)["orchestrate_issues_closed"] == {
        (("as", "resolved"),): 1.0,
        (("as", "not_a_problem"),): 1.0,
    }
