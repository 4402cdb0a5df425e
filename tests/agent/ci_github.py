"""A fake GitHub for the ``orchestrate ci`` tests, at the HTTP boundary: ``responses`` answering with
GitHub's published example bodies (read in place from ../shared/corpus), changed only where a test needs
another state. Everything of ours (the command, the configuration, the GitHub client) is real."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator
from typing import Any

import pytest
import responses

from agent.cli import ExitStatus, main
from tests.agent.providers.conftest import GITHUB_API, FakeTime

__all__ = [
    "API",
    "ENV",
    "REPO",
    "STORAGE",
    "TOKEN",
    "FakeGitHub",
    "FakeTime",
    "example",
    "github",
    "zip_bytes",
]

REPO = "octo-org/octo-repo"
API = f"https://api.github.com/repos/{REPO}"
STORAGE = "https://pipelines.actions.githubusercontent.test"
TOKEN = "ghp_secret_for_tests"
ENV = {"ORCHESTRATE_CI_PROVIDER": "github", "ORCHESTRATE_REPO": REPO, "GH_TOKEN": TOKEN}


def require_corpus() -> None:
    if not GITHUB_API.is_dir():
        pytest.skip(f"the shared corpus is not beside the repository (looked for {GITHUB_API.resolve()})")


def example(operation_id: str) -> Any:
    """A published example body by operation id, e.g. ``actions/get-workflow-run``."""
    require_corpus()
    index = json.loads((GITHUB_API / "examples" / "index.json").read_text("utf-8"))
    entry = next(e for e in index if e["operationId"] == operation_id)
    return json.loads((GITHUB_API / "examples" / entry["file"]).read_text("utf-8"))


def zip_bytes(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return buffer.getvalue()


class FakeGitHub:
    """Register GitHub answers; each helper returns the body it serves, for assertions."""

    def __init__(self, mock: responses.RequestsMock) -> None:
        self.mock = mock

    def run_body(self, run_id: int = 30433642, **changes: Any) -> dict[str, Any]:
        return {**example("actions/get-workflow-run"), "id": run_id, **changes}

    def job_body(
        self, job_id: int, name: str, status: str = "completed", conclusion: str | None = "success"
    ) -> dict[str, Any]:
        template = example("actions/list-jobs-for-workflow-run")["jobs"][0]
        return {**template, "id": job_id, "name": name, "status": status, "conclusion": conclusion}

    def run(
        self,
        run_id: int = 30433642,
        *,
        status: str = "completed",
        conclusion: str | None = "success",
        jobs: list[dict[str, Any]] | None = None,
        **changes: Any,
    ) -> dict[str, Any]:
        """One look at a run: the run and its jobs (GitHub's two requests)."""
        body = self.run_body(run_id, status=status, conclusion=conclusion, **changes)
        self.mock.get(f"{API}/actions/runs/{run_id}", json=body)
        if jobs is None:
            jobs = [self.job_body(399444496, "build", status, conclusion)]
        self.jobs(run_id, jobs)
        return body

    def jobs(self, run_id: int, jobs: list[dict[str, Any]]) -> None:
        self.mock.get(f"{API}/actions/runs/{run_id}/jobs", json={"total_count": len(jobs), "jobs": jobs})

    def job_log(self, job_id: int, text: str) -> None:
        """The log endpoint answers 302 to a storage host, as GitHub does."""
        location = f"{STORAGE}/logs/{job_id}.txt?sig=signed"
        self.mock.get(f"{API}/actions/jobs/{job_id}/logs", status=302, headers={"Location": location})
        self.mock.get(f"{STORAGE}/logs/{job_id}.txt", body=text)

    def zip(self, path: str, files: dict[str, str]) -> None:
        location = f"{STORAGE}/zip/{path.strip('/').replace('/', '-')}?sig=signed"
        self.mock.get(f"{API}/{path.strip('/')}", status=302, headers={"Location": location})
        self.mock.get(location.split("?")[0], body=zip_bytes(files), content_type="application/zip")

    def calls(self, method: str, fragment: str) -> list[Any]:
        return [c for c in self.mock.calls if c.request.method == method and fragment in c.request.url]


def github() -> Iterator[FakeGitHub]:
    """The generator behind each test module's ``gh`` fixture: every registered answer must be used."""
    require_corpus()  # before any answer is registered, so a skip leaves none unused
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield FakeGitHub(mock)


def ci(*argv: str, env: dict[str, str] | None = None) -> ExitStatus:
    """``orchestrate ci ARGV`` in-process, with the fake GitHub's environment unless ``env`` is given."""
    time = FakeTime()
    return main(["ci", *argv], ENV if env is None else env, sleep=time.sleep, clock=time.clock)
