"""CircleCI API v2 answers for tests, written from CircleCI's API v2 reference (circleci.com/docs/api/v2:
the Pipeline, Workflow, Job (workflow job) and paginated ``{items, next_page_token}`` schemas, as generated
clients such as hexdocs' ``circleci_client`` reproduce them): the corpus holds no CircleCI API bodies. The
client's tests and the hub's (a CircleCI run driven from the hub) build their answers here."""

from __future__ import annotations

from typing import Any

API = "https://circleci.com/api/v2"
SLUG = "gh/octo-org/octo-repo"
PIPELINE_ID = "5034460f-c7c4-4c43-9457-de07e2029e7b"
WORKFLOW_ID = "fda08377-fe7e-46b1-8992-3a7aaecac9c3"
RERUN_ID = "0f7e4d66-0b38-4e7a-9d7b-5d3d2a1c9b10"
OTHER_WORKFLOW_ID = "b0f1c1e5-3d9a-4a57-a8f0-1f1e4c5b8e2a"
JOB_UUID = "9a4bd5e6-8d1f-4b1c-9f5a-1c2d3e4f5a6b"
ARTIFACTS = "https://output.circle-artifacts.com/output/job/9a4bd5e6/artifacts/0"


def pipeline_body(**changes: Any) -> dict:
    """``GET /pipeline/{id}`` (schema Pipeline)."""
    body = {
        "id": PIPELINE_ID,
        "errors": [],
        "project_slug": SLUG,
        "updated_at": "2024-05-20T10:02:00Z",
        "number": 1285,
        "trigger_parameters": {},
        "state": "created",
        "created_at": "2024-05-20T10:00:00Z",
        "trigger": {
            "type": "webhook",
            "received_at": "2024-05-20T09:59:59Z",
            "actor": {"login": "octocat", "avatar_url": ""},
        },
        "vcs": {
            "provider_name": "GitHub",
            "target_repository_url": "https://github.com/octo-org/octo-repo",
            "branch": "main",
            "revision": "f454a02b5d10fcccfd7d9dd7608a76d6493a98b4",
            "origin_repository_url": "https://github.com/octo-org/octo-repo",
            "commit": {"subject": "Fix the build", "body": ""},
        },
    }
    return body | changes


def workflow_body(workflow_id: str = WORKFLOW_ID, **changes: Any) -> dict:
    """An item of ``GET /pipeline/{id}/workflow`` (schema Workflow)."""
    body = {
        "pipeline_id": PIPELINE_ID,
        "canceled_by": None,
        "id": workflow_id,
        "name": "build-and-test",
        "project_slug": SLUG,
        "errored_by": None,
        "tag": None,
        "status": "success",
        "started_by": "7c6d9a3e-5b1f-4d2a-8e9c-0a1b2c3d4e5f",
        "pipeline_number": 1285,
        "created_at": "2024-05-20T10:00:05Z",
        "stopped_at": "2024-05-20T10:02:00Z",
    }
    return body | changes


def job_body(number: int | None = 412, **changes: Any) -> dict:
    """An item of ``GET /workflow/{id}/job`` (schema Job of a workflow)."""
    body = {
        "canceled_by": None,
        "dependencies": [],
        "job_number": number,
        "id": JOB_UUID,
        "started_at": "2024-05-20T10:00:10Z",
        "name": "test",
        "approved_by": None,
        "project_slug": SLUG,
        "status": "success",
        "type": "build",
        "stopped_at": "2024-05-20T10:01:50Z",
        "approval_request_id": None,
    }
    return body | changes


def page(*items: dict, next_token: str | None = None) -> dict:
    return {"items": list(items), "next_page_token": next_token}
