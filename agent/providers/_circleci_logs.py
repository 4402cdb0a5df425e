"""CircleCI job logs, read through API v1.1: API v2 has no log endpoint.

``GET /api/v1.1/project/{vcs}/{org}/{repo}/{job_number}`` lists each step's ``output_url``, a signed
storage address fetched without the token; its JSON messages are joined into the log, under a ``## step``
line each. v1.1 knows ``gh/`` and ``bb/`` projects only, so ``circleci/`` projects have no logs here.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from agent.providers._circleci_ids import UUID
from agent.providers.base import ProviderError, UnsupportedOperation
from agent.providers.http import ApiClient, tail_text

MAX_STEP_OUTPUT_BYTES = 64 << 20  # one step's output as JSON, before it is joined into the log


def job_log(
    http: ApiClient,
    job_id: str,
    *,
    v1_url: str,
    slug: str,
    web_vcs: str,
    repo: str,
    max_bytes: int,
) -> str:
    """The job's steps' output, joined, under a ``## step`` line each; its tail when long. ``web_vcs`` is
    the slug's VCS as v1.1 spells it (``github``)."""
    number = str(job_id).strip()
    if UUID.match(number):  # jobs without a number are approval jobs
        return "(an approval job: it has no log)\n"
    if not number.isdigit():
        raise ProviderError(
            f"CircleCI job logs are read by job number, not {job_id!r}",
            "an approval job has no log; `orchestrate ci status --run ID` shows the jobs' numbers",
        )
    vcs, owner, name = slug.split("/")
    if vcs == "circleci":  # what Provider.unsupported would say
        raise UnsupportedOperation(
            f"circleci cannot read job logs of {slug} through its API",
            "only API v1.1 serves step output, and it knows gh/ and bb/ projects only; "
            "open the job in the CircleCI app",
        )
    job = http.get_json(
        f"{v1_url}/project/{web_vcs}/{owner}/{name}/{number}",
        not_found_hint=f"check --repo {repo} and the job number",
    )
    buffer = bytearray()
    dropped = 0
    for step in job.get("steps") or []:
        actions = step.get("actions") or []
        for action in actions:
            title = f"## {step.get('name') or action.get('name') or 'step'}"
            if len(actions) > 1:
                title += f" (node {action.get('index', 0)})"
            buffer += (title + "\n").encode()
            if action.get("output_url"):
                buffer += step_output(http, str(action["output_url"])).encode()
            if len(buffer) > max_bytes:
                dropped += len(buffer) - max_bytes
                del buffer[: len(buffer) - max_bytes]
    return tail_text(bytes(buffer), dropped)


def step_output(http: ApiClient, url: str) -> str:
    """One step's output: a signed URL off the API's host (no token), JSON messages, bounded."""
    with tempfile.TemporaryDirectory(prefix="orchestrate-") as scratch:
        path = http.download(url, Path(scratch) / "output.json", max_bytes=MAX_STEP_OUTPUT_BYTES)
        try:
            messages = json.loads(path.read_bytes())
        except ValueError:
            return path.read_bytes().decode("utf-8", "replace")
    if not isinstance(messages, list):
        return ""
    return "".join(str(item.get("message") or "") for item in messages if isinstance(item, dict))
