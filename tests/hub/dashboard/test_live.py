"""Live pages: writers record a change with what they change, the polling endpoint and the event stream
tell a reader about changes to what their page shows (and nothing of other teams'), streams are bounded
per process, and each fan-out (Redis, PostgreSQL, SQLite's poll) wakes a waiting stream."""

from __future__ import annotations

import os
import threading
import time

import pytest
import requests
from django.db import connection, transaction
from django.test import Client

from hub.dashboard.live import BadWatch, Watch, parse_watch
from hub.outbox.models import Change
from hub.outbox.services import live
from hub.response.models import FixState, Responder
from hub.response.services import fix_jobs
from hub.webhooks.services.record import record
from tests.hub.api.factories import make_run
from tests.hub.conftest import Agent, case, report

TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/9")


@pytest.mark.parametrize(
    ("text", "watch"),
    [("run:5", Watch("run", 5)), ("fix-job:12", Watch("fix-job", 12)), ("all", Watch("all"))],
)
def test_a_watch_names_a_run_a_fix_job_or_everything(text, watch):
    assert parse_watch(text) == watch
    assert str(watch) == text


@pytest.mark.parametrize("text", ["", "run:", "run:0", "test:4", "run:5;drop", "all:1"])
def test_anything_else_is_not_a_watch(text):
    with pytest.raises(BadWatch):
        parse_watch(text)


@pytest.mark.django_db
def test_an_upload_records_a_change_of_its_run(project, agent_token):
    Agent(agent_token).post_report(report(case("test_a"), run_id="r-1"))

    change = Change.objects.get()
    assert (change.topic, change.project_id) == ("upload.stored", project.pk)
    assert change.run_id == project.runs.get().pk


@pytest.mark.django_db
def test_a_providers_event_records_a_change_of_its_run(project):
    run, _ = record(
        project, {"provider": "github", "provider_run_id": "77", "attempt": 1, "status": "queued"}
    )

    assert list(Change.objects.values_list("topic", "run_id")) == [("run.moved", run.pk)]


@pytest.mark.django_db
def test_a_fix_job_moving_records_a_change_of_it_and_its_run(project):
    run = make_run(project)
    job = fix_jobs.open_job(project.pk, Responder.RERUN, "rerun:x", "flaky", run=run)
    Change.objects.all().delete()

    fix_jobs.transition(job, FixState.DISPATCHED, "handed on")

    assert list(Change.objects.values_list("topic", "run_id", "fix_job_id")) == [
        ("fix_job.moved", run.pk, job.pk)
    ]


@pytest.fixture
def member(client, teammate):
    client.force_login(teammate)
    return client


def poll(client, watch: str, after: int | None = None) -> dict:
    suffix = f"&after={after}" if after is not None else ""
    response = client.get(f"/live/changes/?watch={watch}{suffix}")
    assert response.status_code == 200, response.content
    return response.json()


@pytest.mark.django_db
def test_polling_reports_a_change_to_the_watched_run_after_the_cursor(member, project):
    run = make_run(project)
    cursor = poll(member, f"run:{run.pk}")["cursor"]

    live.changed("run.moved", project.pk, run_id=run.pk)

    answer = poll(member, f"run:{run.pk}", cursor)
    assert answer["changed"] is True
    assert poll(member, f"run:{run.pk}", answer["cursor"])["changed"] is False


@pytest.mark.django_db
def test_polling_ignores_changes_to_other_runs(member, project):
    run, other = make_run(project), make_run(project)
    cursor = poll(member, f"run:{run.pk}")["cursor"]

    live.changed("run.moved", project.pk, run_id=other.pk)

    assert poll(member, f"run:{run.pk}", cursor)["changed"] is False
    assert poll(member, "all", cursor)["changed"] is True


@pytest.mark.django_db
def test_another_teams_changes_are_never_reported(client, outsider, project):
    client.force_login(outsider)
    run = make_run(project)
    cursor = poll(client, "all")["cursor"]

    live.changed("run.moved", project.pk, run_id=run.pk)

    assert poll(client, "all", cursor)["changed"] is False
    assert poll(client, f"run:{run.pk}", cursor)["changed"] is False


@pytest.mark.django_db
def test_a_bad_watch_is_refused_with_what_to_use(member):
    response = member.get("/live/changes/?watch=everything")

    assert response.status_code == 400
    assert "run:<id>" in response.json()["error"]


@pytest.mark.django_db
def test_a_stranger_cannot_watch(client):
    assert client.get("/live/changes/?watch=all").status_code == 302
    assert client.get("/live/stream/?watch=all").status_code == 302


@pytest.mark.django_db
def test_streams_beyond_the_process_limit_are_refused_so_the_page_polls(member, settings):
    settings.LIVE_MAX_STREAMS = 0

    response = member.get("/live/stream/?watch=all")

    assert response.status_code == 503
    assert response["Retry-After"] == "30"


def test_a_stream_slot_is_given_back_once_when_the_response_closes_even_unread():
    from hub.dashboard.views.live import StreamSlots, _Stream

    slots = StreamSlots()
    assert slots.take(1)
    assert not slots.take(1)
    events = _Stream((line for line in ["ready"]), slots)

    events.close()
    events.close()

    assert slots.open == 0
    assert slots.take(1)


def signed_in(user) -> requests.Session:
    client = Client()
    client.force_login(user)
    session = requests.Session()
    session.cookies.set("sessionid", client.cookies["sessionid"].value)
    return session


def read_events(response, found: list, stop: threading.Event) -> None:
    name = None
    for line in response.iter_lines(chunk_size=1, decode_unicode=True):
        if stop.is_set():
            return
        if line.startswith("event: "):
            name = line[len("event: ") :]
        elif line.startswith("data: ") and name:
            found.append((name, int(line[len("data: ") :]), time.monotonic()))


@pytest.mark.django_db(transaction=True)
def test_a_stream_tells_the_page_of_a_committed_change_at_once(live_server, project, teammate):
    run = make_run(project)
    stream = signed_in(teammate).get(
        f"{live_server.url}/live/stream/?watch=run:{run.pk}", stream=True, timeout=(5, 20)
    )
    assert stream.status_code == 200
    assert stream.headers["Content-Type"] == "text/event-stream"
    found: list = []
    stop = threading.Event()
    reader = threading.Thread(target=read_events, args=(stream, found, stop), daemon=True)
    reader.start()
    deadline = time.monotonic() + 5
    while not found and time.monotonic() < deadline:
        time.sleep(0.01)
    assert found
    assert found[0][0] == "ready"

    with transaction.atomic():
        committed_id = live.changed("run.moved", project.pk, run_id=run.pk)
    committed = time.monotonic()
    while len(found) < 2 and time.monotonic() < committed + 5:
        time.sleep(0.005)
    stop.set()
    stream.close()

    assert found[1][:2] == ("change", committed_id)
    assert found[1][2] - committed < 2.0  # the benchmark measures the figure; this only bounds it


def wakes(fanout: live.Fanout, project) -> float:
    fanout.start()
    seen = fanout.newest
    with transaction.atomic():
        pk = live.changed("run.moved", project.pk)
    started = time.monotonic()
    assert fanout.wait_beyond(seen, 5.0) >= pk
    return time.monotonic() - started


@pytest.mark.django_db(transaction=True)
def test_redis_pub_sub_wakes_a_waiting_stream(settings, project):
    redis = pytest.importorskip("redis")
    try:
        redis.Redis.from_url(TEST_REDIS_URL).ping()
    except redis.ConnectionError:
        pytest.skip(f"no Redis at {TEST_REDIS_URL}")
    settings.REDIS_URL = TEST_REDIS_URL
    fanout = live.Fanout("redis")
    try:
        assert wakes(fanout, project) < 1.0
    finally:
        fanout.stop()


@pytest.mark.django_db(transaction=True)
def test_postgresql_notify_wakes_a_waiting_stream(project):
    if connection.vendor != "postgresql":
        pytest.skip("LISTEN/NOTIFY needs PostgreSQL (run with DATABASE_URL=postgres://...)")
    fanout = live.Fanout("postgresql")
    try:
        assert wakes(fanout, project) < 1.0
    finally:
        fanout.stop()


@pytest.mark.django_db(transaction=True)
def test_sqlites_change_cursor_poll_wakes_a_waiting_stream(project):
    fanout = live.Fanout("poll")
    try:
        assert wakes(fanout, project) < 1.0
    finally:
        fanout.stop()
