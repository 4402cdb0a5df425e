"""GitLab's side of merging a fix's merge request, at the HTTP boundary, in GitLab's documented shapes: the
project, the merge request (the corpus's example, its branch and head set), its diffs, its head's
statuses, its notes and the merge (409 when the head is not the SHA sent; ``pipeline_running`` answers
as GitLab does when it sets auto-merge instead); what was merged and noted is kept for the tests."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import responses

CORPUS = Path(__file__).resolve().parents[3] / ".." / "shared" / "corpus" / "api" / "gitlab" / "gitlab4j"
PROJECT = "https://gitlab.com/api/v4/projects/gitlabhq%2Fgitlab-test"
HEAD = "b" * 40


@dataclass
class FakeMergeRequest:
    iid: int
    branch: str
    head: str = HEAD
    fork: bool = False
    pipeline_running: bool = False
    files: list[tuple[str, int, int]] = field(default_factory=lambda: [("app/config.py", 4, 1)])
    validate: str | None = "success"  # the orchestrate/validate status on the head (GitLab's words)
    state: str = "opened"
    auto_merge: bool = False
    merges: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def install(self, api: responses.RequestsMock) -> FakeMergeRequest:
        mr = f"{PROJECT}/merge_requests/{self.iid}"
        web = "https://gitlab.com/gitlabhq/gitlab-test"
        api.get(PROJECT, json={"id": 5, "path_with_namespace": "gitlabhq/gitlab-test",
                               "default_branch": "main", "web_url": web})  # fmt: skip
        api.add_callback("GET", mr, callback=lambda _: (200, {}, json.dumps(self.merge_request())))
        api.add_callback("GET", f"{mr}/diffs", callback=lambda _: (200, {}, json.dumps(self._diffs())))
        statuses = f"{PROJECT}/repository/commits/{self.head}/statuses"
        api.add_callback("GET", statuses, callback=lambda _: (200, {}, json.dumps(self._statuses())))
        api.add_callback("PUT", f"{mr}/merge", callback=self._merge)
        api.add_callback("POST", f"{mr}/notes", callback=self._note)
        api.add_callback("GET", f"{mr}/notes", callback=lambda _: (200, {}, json.dumps(self._listed())))
        return self

    def merge_request(self) -> dict[str, Any]:
        body = json.loads((CORPUS / "merge-request.json").read_text())
        body.update(
            iid=self.iid, source_branch=self.branch, target_branch="main", sha=self.head, state=self.state,
            project_id=5, target_project_id=5, source_project_id=9 if self.fork else 5,
            merge_when_pipeline_succeeds=self.auto_merge, squash_commit_sha=None,
            web_url=f"https://gitlab.com/gitlabhq/gitlab-test/-/merge_requests/{self.iid}",
        )  # fmt: skip
        return body

    def _diffs(self) -> list[dict[str, Any]]:
        return [
            {"old_path": path, "new_path": path, "new_file": False, "renamed_file": False,
             "deleted_file": False, "diff": "@@ -1 +1 @@\n" + "+added\n" * added + "-deleted\n" * deleted}
            for path, added, deleted in self.files
        ]  # fmt: skip

    def _statuses(self) -> list[dict[str, Any]]:
        if self.validate is None:
            return []
        return [{"id": 1, "sha": self.head, "ref": self.branch, "status": self.validate,
                 "name": "orchestrate/validate", "description": "healthy", "target_url": None}]  # fmt: skip

    def _merge(self, request) -> tuple[int, dict, str]:
        sent = json.loads(request.body)
        self.merges.append(sent)
        if sent.get("sha") != self.head:
            return 409, {}, json.dumps({"message": "SHA does not match HEAD of source branch"})
        if self.pipeline_running and sent.get("auto_merge"):
            self.auto_merge = True
        else:
            self.state = "merged"
        answer = self.merge_request()
        answer["merge_commit_sha"] = "f" * 40 if self.state == "merged" else None
        return 200, {}, json.dumps(answer)

    def _note(self, request) -> tuple[int, dict, str]:
        self.notes.append(json.loads(request.body)["body"])
        return 201, {}, json.dumps(self._listed()[-1])

    def _listed(self) -> list[dict[str, Any]]:
        return [
            {"id": 300 + i, "body": body, "system": False, "noteable_type": "MergeRequest",
             "author": {"id": 7, "username": "orchestrate-bot"}, "created_at": "2026-12-07T17:00:00Z"}
            for i, body in enumerate(self.notes)
        ]  # fmt: skip
