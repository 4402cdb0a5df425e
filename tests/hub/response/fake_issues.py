"""GitHub's and GitLab's issue endpoints faked at the HTTP boundary: a small store of issues behind
``responses`` callbacks, answering with the providers' shapes (GitHub's published issue example from the
corpus; GitLab's issue as its Issues API documents it), so a test sees exactly what the hub filed,
edited, closed and reopened, and can lose the hub's records while the provider keeps its issues."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import responses

from tests.hub.operations.conftest import GITHUB, corpus_api

GITLAB = "https://gitlab.com/api/v4"


@dataclass
class FakeIssues:
    """Issues as the provider keeps them (number -> fields in our words) and the writes it received."""

    provider: str
    issues: dict[int, dict[str, Any]] = field(default_factory=dict)
    writes: list[tuple[str, int]] = field(default_factory=list)  # (POST/PATCH/PUT, issue number)
    numbered: int = 0  # the last number given: a deleted issue's number is not given again

    def one(self) -> dict[str, Any]:
        assert len(self.issues) == 1, f"{len(self.issues)} issues filed"
        return next(iter(self.issues.values()))

    def shape(self, issue: dict[str, Any]) -> dict[str, Any]:
        if self.provider == "github":
            body = corpus_api("github/examples/issues__create.201.default.json")
            body.pop("pull_request")  # the example's; an issue has none
            return body | {
                "number": issue["number"], "title": issue["title"], "body": issue["body"],
                "state": issue["state"], "labels": [{"name": name} for name in issue["labels"]],
                "html_url": f"https://github.com/octo-org/octo-repo/issues/{issue['number']}",
            }  # fmt: skip
        return {
            "id": 1000 + issue["number"], "iid": issue["number"], "project_id": 7, "title": issue["title"],
            "description": issue["body"], "state": "opened" if issue["state"] == "open" else "closed",
            "labels": issue["labels"], "web_url": f"https://gitlab.com/group/app/-/issues/{issue['number']}",
        }  # fmt: skip

    def listed(self, request) -> tuple[int, dict, str]:
        query = parse_qs(urlsplit(request.url).query)
        wanted = set(query["labels"][0].split(","))
        page = int(query.get("page", ["1"])[0])
        found = [self.shape(i) for i in reversed(self.issues.values()) if wanted <= set(i["labels"])]
        return 200, {}, json.dumps(found if page == 1 else [])

    def created(self, request) -> tuple[int, dict, str]:
        sent = json.loads(request.body)
        self.numbered = number = max(self.numbered, *self.issues, 0) + 1
        labels = sent["labels"] if isinstance(sent["labels"], list) else sent["labels"].split(",")
        body = sent.get("body", sent.get("description"))
        self.issues[number] = {"number": number, "title": sent["title"], "body": body, "state": "open",
                               "labels": labels}  # fmt: skip
        self.writes.append((request.method, number))
        return 201, {}, json.dumps(self.shape(self.issues[number]))

    def edited(self, request) -> tuple[int, dict, str]:
        number = int(request.url.rstrip("/").rsplit("/", 1)[1])
        if number not in self.issues:
            return 404, {}, json.dumps({"message": "Not Found"})
        sent, issue = json.loads(request.body), self.issues[number]
        issue.update({k: sent[k] for k in ("title", "body") if k in sent})
        if "description" in sent:
            issue["body"] = sent["description"]
        event = {"close": "closed", "reopen": "open"}.get(sent.get("state_event", ""))
        issue["state"] = sent.get("state", event or issue["state"])
        self.writes.append((request.method, number))
        return 200, {}, json.dumps(self.shape(issue))


def fake_github_issues(api: responses.RequestsMock, repo: str = "octo-org/octo-repo") -> FakeIssues:
    fake = FakeIssues("github")
    base = f"{GITHUB}/repos/{repo}/issues"
    api.add_callback("GET", base, callback=fake.listed)
    api.add_callback("POST", base, callback=fake.created)
    api.add_callback("PATCH", _numbered(base), callback=fake.edited)
    return fake


def fake_gitlab_issues(api: responses.RequestsMock, project: str = "group%2Fapp") -> FakeIssues:
    fake = FakeIssues("gitlab")
    base = f"{GITLAB}/projects/{project}/issues"
    api.add_callback("GET", base, callback=fake.listed)
    api.add_callback("POST", base, callback=fake.created)
    api.add_callback("PUT", _numbered(base), callback=fake.edited)
    return fake


def _numbered(base: str) -> re.Pattern:
    return re.compile(re.escape(base) + r"/\d+$")
