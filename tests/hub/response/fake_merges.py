"""GitHub's side of merging a fix's pull request, at the HTTP boundary: the pull request (the corpus's
shape, via ``github_pull``), its files, its head's statuses, its reviews (GitHub's documented shape: the
corpus has no example), its comments, the merge (the corpus's 200 and 409 answers) and the branch's
deletion; what was merged and commented is kept for the tests to read."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import responses

from tests.agent.fix.publish_fakes import github_pull
from tests.hub.response.fake_fixer import REPO

EXAMPLES = Path(__file__).resolve().parents[3] / ".." / "shared" / "corpus" / "api" / "github" / "examples"
HEAD = "b" * 40  # the fix branch's run's commit (fake_fixer.run_completed_event)
STALE = "pulls__merge.409.response-if-sha-was-provided-and-pull-request-head-did-not-match.json"


def example(name: str) -> dict[str, Any]:
    return json.loads((EXAMPLES / name).read_text())


@dataclass
class FakePull:
    number: int
    branch: str
    head: str = HEAD
    files: list[tuple[str, int, int]] = field(default_factory=lambda: [("app/config.py", 4, 1)])
    validate: str | None = "success"  # the orchestrate/validate status on the head, None: never set
    reviews: list[tuple[str, str]] = field(default_factory=list)  # (reviewer, state), oldest first
    merge_status: int = 200
    comment_status: int = 201
    merged: bool = False
    merges: list[dict] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)

    def install(self, api: responses.RequestsMock) -> FakePull:
        pulls = f"{REPO}/pulls/{self.number}"
        api.get(REPO, json={"id": 1, "full_name": "octo-org/octo-repo", "default_branch": "main",
                            "html_url": "https://github.com/octo-org/octo-repo"})  # fmt: skip
        api.add_callback("GET", pulls, callback=lambda _: (200, {}, json.dumps(self.pull())))
        api.add_callback("GET", f"{pulls}/files", callback=lambda _: (200, {}, json.dumps(self._files())))
        api.add_callback(
            "GET",
            f"{REPO}/commits/{self.head}/statuses",
            callback=lambda _: (200, {}, json.dumps(self._statuses())),
        )
        api.add_callback("GET", f"{pulls}/reviews", callback=lambda _: (200, {}, json.dumps(self._reviews())))
        api.add_callback("PUT", f"{pulls}/merge", callback=self._merge)
        api.add_callback("DELETE", f"{REPO}/git/refs/heads/{self.branch}", callback=self._delete)
        comments = f"{REPO}/issues/{self.number}/comments"
        api.add_callback("POST", comments, callback=self._comment)
        api.add_callback("GET", comments, callback=lambda _: (200, {}, json.dumps(self._listed())))
        return self

    def pull(self) -> dict[str, Any]:
        body = github_pull(self.number, self.branch, "main")
        body["head"]["sha"] = self.head
        if self.merged:
            body.update(state="closed", merged_at="2026-12-07T17:00:00Z")
        return body

    def _files(self) -> list[dict[str, Any]]:
        return [
            {"filename": path, "status": "modified", "additions": added, "deletions": deleted,
             "changes": added + deleted, "sha": "bbcd538c8e72b8c175046e27cc8f907076331401"}
            for path, added, deleted in self.files
        ]  # fmt: skip

    def _reviews(self) -> list[dict[str, Any]]:
        return [
            {"id": 80 + i, "node_id": "MDE3OlB1bGxSZXF1ZXN0UmV2aWV3ODA=", "body": "", "state": state,
             "user": {"login": login, "id": 1 + i, "type": "User"}, "commit_id": self.head,
             "html_url": f"https://github.com/octo-org/octo-repo/pull/{self.number}",
             "submitted_at": "2026-12-07T16:00:00Z", "author_association": "COLLABORATOR"}
            for i, (login, state) in enumerate(self.reviews)
        ]  # fmt: skip

    def _statuses(self) -> list[dict[str, Any]]:
        if self.validate is None:
            return []
        return [{"state": self.validate, "context": "orchestrate/validate", "description": "healthy",
                 "target_url": "", "url": f"{REPO}/statuses/{self.head}"}]  # fmt: skip

    def _merge(self, request) -> tuple[int, dict, str]:
        sent = json.loads(request.body)
        self.merges.append(sent)
        if self.merge_status == 409:
            return 409, {}, json.dumps(example(STALE))
        self.merged = True
        return 200, {}, json.dumps({**example("pulls__merge.200.response-if-merge-was-successful.json"),
                                    "sha": "f" * 40})  # fmt: skip

    def _delete(self, request) -> tuple[int, dict, str]:
        self.deleted.append(request.url.split("/git/refs/heads/", 1)[1])
        return 204, {}, ""

    def _comment(self, request) -> tuple[int, dict, str]:
        if self.comment_status != 201:
            return self.comment_status, {}, json.dumps({"message": "Resource not accessible by integration"})
        self.comments.append(json.loads(request.body)["body"])
        return 201, {}, json.dumps(self._listed()[-1])

    def _listed(self) -> list[dict[str, Any]]:
        base = example("issues__create-comment.201.default.json")
        return [{**base, "id": i + 1, "body": body} for i, body in enumerate(self.comments)]
