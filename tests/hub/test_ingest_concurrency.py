"""Sixteen agents uploading at the same moment all land, with nothing duplicated and nothing lost."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from hub.runs.models import Job, Run, Test, TestResult, Upload
from tests.hub.conftest import Agent, case, report

pytestmark = pytest.mark.django_db(transaction=True)
AGENTS = 16


def test_sixteen_agents_uploading_at_once_all_land(agent_token):
    barrier = threading.Barrier(AGENTS)
    statuses: list[int] = []
    errors: list[BaseException] = []

    def upload(n: int) -> None:
        try:
            # Half the jobs share one run; every job shares tests with the others, so test identities
            # and the run row are contended, not just the results table.
            doc = report(
                *[case(f"shared_{i}") for i in range(300)],
                *[case(f"own_{n}_{i}") for i in range(50)],
                run_id="shared" if n % 2 else f"run-{n}",
                job=f"job-{n}",
            )
            client = Agent(agent_token)
            barrier.wait()
            statuses.append(client.post_report(doc, gzip_body=True, key=f"key-{n}").status_code)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=upload, args=(n,)) for n in range(AGENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert statuses == [201] * AGENTS
    assert Upload.objects.count() == AGENTS
    assert Job.objects.count() == AGENTS
    assert Run.objects.count() == AGENTS // 2 + 1
    assert Test.objects.count() == 300 + 50 * AGENTS
    assert TestResult.objects.count() == 350 * AGENTS
    assert Run.objects.get(provider_run_id="shared").tests == 350 * (AGENTS // 2)


def test_the_same_upload_retried_concurrently_lands_once(agent_token):
    doc = report(*[case(f"t{i}") for i in range(200)])
    barrier = threading.Barrier(4)
    statuses: list[int] = []

    def upload() -> None:
        try:
            client = Agent(agent_token)
            barrier.wait()
            statuses.append(client.post_report(doc, key="same-key").status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=upload) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [201] * 4
    assert (Upload.objects.count(), TestResult.objects.count()) == (1, 200)
