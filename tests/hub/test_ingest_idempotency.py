"""An Idempotency-Key names one upload: sent again with the same content it replays the first answer, with
other content it is refused (422, as the IETF idempotency-key draft says), and racing requests with one key
leave exactly one upload's rows."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from hub.runs.models import Job, Run, TestResult, Upload
from tests.hub.conftest import Agent, case, report
from tests.hub.test_ingest_multipart import JUNIT, OTHER, fields, xml


@pytest.mark.django_db
def test_a_key_sent_again_with_other_content_gets_422_naming_the_key_and_writes_nothing(agent):
    first = agent.post_report(report(case("a")), key="run-1-unit")
    assert first.status_code == 201
    response = agent.post_report(report(case("a"), case("b")), key="run-1-unit")
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "idempotency_key_reused"
    assert "'run-1-unit' was already used for other content" in error["message"]
    assert (Upload.objects.count(), TestResult.objects.count()) == (1, 1)


@pytest.mark.django_db
def test_a_multipart_key_sent_again_with_other_files_gets_422(agent):
    assert agent.post_multipart({**fields(), "junit": [xml("a.xml", JUNIT)]}, key="k").status_code == 201
    response = agent.post_multipart({**fields(), "junit": [xml("a.xml", OTHER)]}, key="k")
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "idempotency_key_reused"
    assert Upload.objects.count() == 1


@pytest.mark.django_db
def test_a_key_sent_again_with_the_same_content_replays_the_first_answer(agent):
    doc = report(case("a"))
    first = agent.post_report(doc, key="k")
    again = agent.post_report(doc, gzip_body=True, key="k")  # the content, not its encoding, is compared
    assert (again.status_code, again.json(), again["Idempotent-Replayed"]) == (201, first.json(), "true")


AGENTS = 16


@pytest.mark.django_db(transaction=True)
def test_sixteen_requests_racing_with_one_key_leave_one_run_job_and_upload(agent_token):
    barrier = threading.Barrier(AGENTS)
    statuses: list[int] = []

    def upload(n: int) -> None:
        try:
            client = Agent(agent_token)
            doc = report(*[case(f"t{i}") for i in range(50)], run_id=f"run-{n}", job=f"job-{n}")
            barrier.wait()
            statuses.append(client.post_report(doc, key="one-key").status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=upload, args=(n,)) for n in range(AGENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [201] + [422] * (AGENTS - 1)
    assert (Run.objects.count(), Job.objects.count(), Upload.objects.count()) == (1, 1, 1)
    assert TestResult.objects.count() == 50
