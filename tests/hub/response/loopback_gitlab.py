"""GitLab on loopback for the fixer's pipeline with variables, in the shape of ``loopback.FakeServices``
(whose server, ``slow`` and ``arrived`` it shares): ``POST /projects/group%2Fapp/pipeline`` starts a
pipeline when the request arrives (the corpus's pipeline, numbered from ``FIX_PIPELINE``), and the
project's merge requests list none, as before the fix pipeline opens one."""

from __future__ import annotations

import json
from typing import Any

from tests.hub.operations.conftest import corpus_api
from tests.hub.response.loopback import FakeServices, Handler

PROJECT = "/api/v4/projects/group%2Fapp"
FIX_PIPELINE = 61


class GitLabHandler(Handler):
    server: FakeGitLab

    def do_GET(self) -> None:
        if self.path.split("?")[0] == f"{PROJECT}/merge_requests":
            return self.answer(200, [])
        self.answer(404, {"message": "404 Not Found"})

    def do_POST(self) -> None:
        body, path = self.read_body(), self.path.split("?")[0]
        if path != f"{PROJECT}/pipeline":
            return self.answer(404, {"message": "404 Not Found"})
        with self.server.lock:
            started = self.pipeline(json.loads(body))
        self.answer(201, started, wait=self.server.arrive("dispatch"))

    def pipeline(self, body: dict[str, Any]) -> dict[str, Any]:
        pipeline_id = FIX_PIPELINE + len(self.server.dispatches)
        self.server.dispatches.append(body)
        web = f"https://gitlab.com/group/app/-/pipelines/{pipeline_id}"
        return corpus_api("gitlab/gitlab4j/pipeline.json") | {
            "id": pipeline_id, "ref": body["ref"], "status": "created", "web_url": web,
        }  # fmt: skip


class FakeGitLab(FakeServices):
    handler = GitLabHandler

    def __init__(self) -> None:
        super().__init__(0)

    @property
    def api_url(self) -> str:
        return f"{self.url}/api/v4"
