"""Bodies sent in chunks (``Transfer-Encoding: chunked``, no ``Content-Length``) through a real gunicorn.

Django reads ``Content-Length`` bytes of a WSGI body, so a chunked one read as empty; gunicorn de-chunks
and says so (``wsgi.input_terminated``), and the hub then reads its input to the end, within the limits.
"""

from __future__ import annotations

import gzip
import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest
import requests
from urllib3 import encode_multipart_formdata

from hub.runs.models import Run, TestResult
from tests.hub.cluster import ROOT, hub_env
from tests.hub.conftest import case, report
from tests.hub.test_ingest_multipart import JUNIT, fields

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]
MULTIPART_LIMIT = 64 * 1024


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def hub_url(django_db_setup) -> Iterator[str]:
    """One gunicorn for the module, on the test database (its tables are emptied between tests)."""
    port = free_port()
    env = hub_env(MULTIPART_MAX_BYTES=str(MULTIPART_LIMIT))
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "hub.wsgi", "-b", f"127.0.0.1:{port}", "-w", "1"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                requests.get(f"{url}/healthz", timeout=30)
                break
            except requests.ConnectionError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"gunicorn did not start: {server.communicate()[0][-2000:]}")
                time.sleep(0.2)
        yield url
    finally:
        server.terminate()
        server.communicate(timeout=20)


def chunks(body: bytes, size: int = 1000) -> Iterator[bytes]:
    """A generator body: requests sends it chunked, without Content-Length."""
    for start in range(0, len(body), size):
        yield body[start : start + size]


def post(url: str, token: str, body: bytes, content_type: str, **headers: str) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": content_type, **headers}
    return requests.post(f"{url}/api/v1/reports", data=chunks(body), headers=headers, timeout=60)


def test_a_chunked_json_report_lands_whole(hub_url, agent_token):
    body = json.dumps(report(*[case(f"t{i}") for i in range(500)])).encode()
    response = post(hub_url, agent_token, body, "application/json")
    assert response.request.headers["Transfer-Encoding"] == "chunked"
    assert response.status_code == 201, response.text
    assert TestResult.objects.count() == 500


def test_a_chunked_gzip_report_lands_whole(hub_url, agent_token):
    body = gzip.compress(json.dumps(report(case("a"), case("b"))).encode())
    response = post(hub_url, agent_token, body, "application/json", **{"Content-Encoding": "gzip"})
    assert response.status_code == 201, response.text
    assert TestResult.objects.count() == 2


def test_a_chunked_multipart_upload_lands_whole(hub_url, agent_token):
    body, content_type = encode_multipart_formdata({**fields(), "junit": ("a.xml", JUNIT)})
    response = post(hub_url, agent_token, body, content_type)
    assert response.status_code == 201, response.text
    assert Run.objects.get().tests == 3


def test_a_chunked_multipart_upload_over_the_total_limit_gets_413(hub_url, agent_token):
    padding = {f"junit{i}": (f"r{i}.xml", JUNIT + b" " * 4000) for i in range(20)}
    body, content_type = encode_multipart_formdata({**fields(), **padding})
    assert len(body) > MULTIPART_LIMIT
    response = post(hub_url, agent_token, body, content_type)
    assert response.status_code == 413, response.text
    assert "MULTIPART_MAX_BYTES" in response.json()["error"]["message"]
    assert Run.objects.count() == 0


def test_a_chunked_body_on_a_server_that_does_not_end_its_input_gets_411(agent):
    response = agent.client.generic(
        "POST",
        "/api/v1/reports",
        b"",
        content_type="application/json",
        CONTENT_LENGTH="",
        HTTP_TRANSFER_ENCODING="chunked",
        **agent.headers(),
    )
    assert response.status_code == 411
    assert "send Content-Length" in response.json()["error"]["message"]
