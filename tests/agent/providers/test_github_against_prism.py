"""The GitHub client against a mock server generated from GitHub's own OpenAPI description.

Prism (``@stoplight/prism-cli`` 5.14.2, installed by .ci/install-prism.sh) serves the description in the
shared corpus (``../shared/corpus/api/github/``) with ``--errors``: a request whose path, parameters or
body the description does not allow is answered 4xx, which the client raises, which fails the test. So
each test here is "this operation sends requests GitHub's description accepts, and reads its answers".

The redirect targets of logs and artifacts (GitHub's storage hosts) are outside the description; they are
faked with ``responses`` while requests to Prism pass through.

Where the description is older than the API we call (it is version 0.0.4 of the slice):
- ``workflow_id`` is typed integer; today's API also takes a file name (``ci.yml``), which the client
  passes as is. Here workflows are named by id.
- ``status`` on run listings allows only ``completed``, ``status``, ``conclusion``; today's API takes
  every status and conclusion (``in_progress``, ``failure``...). Here: ``completed``.
- A dispatch answers 204 only; since 2026-02-19 GitHub answers 200 with the run's id when asked with
  ``return_run_details`` (the client asks, and handles both). Here the 204 path runs.
- ``GET /repos/{owner}/{repo}/actions/workflows`` (looking a workflow up by its UI name) is not in the
  slice, so it is covered by test_github.py only.
- The description's example ``Link`` header is a placeholder (``https://api.github.com/resource?page=2``)
  on another host than the mock; the client rightly refuses to follow a next page elsewhere, so the
  session used here drops that placeholder.

Skipped, with the reason, when the corpus is not beside the repository (like every corpus test), or when
Prism is absent; under ``CI`` a missing Prism fails instead (CI installs it with .ci/install-prism.sh
before running the tests, and this test runs the script if it is missing).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import responses

from agent.providers.github import GitHubProvider
from tests.agent.providers.conftest import zip_bytes

pytestmark = pytest.mark.slow

REPO_ROOT = Path(__file__).resolve().parents[3]
SPEC = (
    REPO_ROOT
    / ".."
    / "shared"
    / "corpus"
    / "api"
    / "github"
    / "github-actions-checks-pulls-issues.openapi.json"
)
INSTALL = REPO_ROOT / ".ci" / "install-prism.sh"
STORAGE = re.compile(r"https://pipelines\.actions\.githubusercontent\.com/.*")  # the description's Location
STARTUP_SECONDS = 90


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def unavailable(reason: str) -> None:
    pytest.fail(f"{reason} (CI must run this test)") if in_ci() else pytest.skip(reason)


def prism_binary() -> str | None:
    local = (
        Path(os.environ.get("PRISM_DIR", REPO_ROOT / ".cache" / "prism")) / "node_modules" / ".bin" / "prism"
    )
    if local.is_file():
        return str(local)
    return shutil.which("prism")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def prism_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not SPEC.is_file():  # like every corpus test, skipped on a clone without ../shared beside it
        pytest.skip(f"GitHub's OpenAPI description is not in the shared corpus (looked for {SPEC.resolve()})")
    binary = prism_binary()
    if binary is None and in_ci():
        subprocess.run(["bash", str(INSTALL)], check=True)
        binary = prism_binary()
    if binary is None:
        unavailable("prism is not installed (bash .ci/install-prism.sh installs it into .cache/prism)")
    port = free_port()
    log = tmp_path_factory.mktemp("prism") / "prism.log"
    with open(log, "wb") as out:
        server = subprocess.Popen(
            [binary, "mock", "--errors", "-h", "127.0.0.1", "-p", str(port), str(SPEC)],
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while b"Prism is listening" not in log.read_bytes():
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"prism did not start:\n{log.read_text(errors='replace')[-3000:]}")
            time.sleep(0.2)
        yield f"http://127.0.0.1:{port}"
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def drop_placeholder_link(response: requests.Response, *args, **kwargs) -> requests.Response:
    """The description's example Link header points at ``/resource`` on api.github.com: not a page."""
    if "api.github.com/resource" in response.headers.get("Link", ""):
        del response.headers["Link"]
    return response


@pytest.fixture
def storage(prism_url: str) -> Iterator[responses.RequestsMock]:
    """GitHub's storage hosts, faked; requests to Prism pass through to it."""
    with responses.RequestsMock(assert_all_requests_are_fired=True) as fake:
        fake.add_passthru(prism_url)
        yield fake


@pytest.fixture
def github(prism_url: str, storage: responses.RequestsMock) -> GitHubProvider:
    session = requests.Session()
    session.hooks["response"].append(drop_placeholder_link)
    return GitHubProvider(
        "octo-org/octo-repo",
        token="ghp_prism",
        api_url=prism_url,
        session=session,
        sleep=lambda seconds: None,
        config={"trigger_poll_attempts": 1},
    )


def test_listing_runs_is_a_request_the_description_accepts(github):
    [run] = github.list_runs(limit=1)
    assert run.id == "30433642"


def test_listing_a_workflows_runs_with_filters_is_accepted(github):
    runs = github.list_runs(workflow="159038", branch="main", status="completed", limit=5)
    assert runs[0].workflow  # the example names its workflow by id only; the client falls back to it


def test_a_run_with_its_jobs_is_read(github):
    run = github.get_run("30433642")
    assert run.jobs[0].name == "build"


def test_a_dispatch_is_accepted_and_without_a_run_id_the_client_looks_for_the_run(github):
    triggered = github.trigger(workflow="159038", ref="main", inputs={"name": "Mona"})
    assert triggered.run is None  # the only run the mock lists was created in 2020, before the request
    assert triggered.url.endswith("/octo-org/octo-repo/actions/workflows/159038")


def test_a_jobs_log_is_followed_to_storage(github, storage):
    storage.get(STORAGE, body="Error: the failure\n")
    assert github.job_log("399444496") == "Error: the failure\n"


def test_a_runs_logs_are_downloaded_and_extracted(github, storage, tmp_path: Path):
    storage.get(STORAGE, body=zip_bytes({"build/1_Set up job.txt": b"ok\n"}))
    written = github.run_logs("30433642", tmp_path)
    assert [path.name for path in written] == ["1_Set up job.txt"]


@pytest.mark.parametrize("options", [{}, {"failed_only": True}, {"job_id": "399444496"}])
def test_each_kind_of_rerun_is_accepted(github, options):
    assert github.retry("30433642", **options) is not None


def test_cancel_is_accepted(github):
    github.cancel("30433642")


def test_artifacts_are_listed_and_downloaded(github, storage, tmp_path: Path):
    assert [artifact.name for artifact in github.list_artifacts("30433642")] == ["Rails", ""]
    storage.get(STORAGE, body=zip_bytes({"report.xml": b"<testsuite/>"}))
    github.download_artifacts("30433642", tmp_path, name="Rails")
    assert (tmp_path / "Rails" / "report.xml").read_bytes() == b"<testsuite/>"
