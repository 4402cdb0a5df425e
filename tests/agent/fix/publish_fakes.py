"""A real git repository with a real bare remote, and GitHub's and GitLab's repository APIs faked at the
HTTP boundary with their shapes (GitHub's published pull-request example from the corpus; its git data
API and GitLab's commits and merge requests APIs as their references document them), keeping what each
fake received so a test can read the commit the provider was asked to write."""

from __future__ import annotations

import base64
import copy
import json
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import responses

GH = "https://api.github.com/repos/octo-org/octo-repo"
GL = "https://gitlab.com/api/v4/projects/group%2Fapp"
CORPUS = Path(__file__).resolve().parents[3] / ".." / "shared" / "corpus" / "api" / "github" / "examples"


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(["git", "-C", str(cwd), *args], capture_output=True, text=True, check=True)
    return done.stdout.strip()


def work_tree(tmp: Path, *, remote: Path | None) -> Path:
    """A clone-like repository on ``main`` with three files committed, ``origin`` at ``remote``."""
    tree = tmp / "work"
    tree.mkdir()
    git(tree, "init", "-q", "-b", "main")
    git(tree, "config", "user.email", "dev@example.com")
    git(tree, "config", "user.name", "Dev")
    (tree / "app.py").write_text("import os\nx=1\n")
    (tree / "old.txt").write_text("stale\n")
    (tree / "run.sh").write_text("echo hi\n")
    git(tree, "add", "-A")
    git(tree, "commit", "-q", "-m", "start")
    if remote is not None:
        git(tree, "remote", "add", "origin", str(remote))
        if remote.exists():
            git(tree, "push", "-q", "origin", "main")
    return tree


def bare_remote(tmp: Path) -> Path:
    remote = tmp / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", str(remote)], check=True)
    return remote


def fix_work_tree(tree: Path) -> None:
    """What a fixer leaves: a file reformatted, one added, one deleted, a script made executable."""
    (tree / "app.py").write_text("import os\n\nx = 1\n")
    (tree / "requirements.txt").write_text("PyYAML\n")
    (tree / "old.txt").unlink()
    (tree / "run.sh").chmod(0o755)


def github_pull(number: int, head: str, base: str, *, fork: bool = False) -> dict[str, Any]:
    body = copy.deepcopy(json.loads((CORPUS / "pulls__create.201.default.json").read_text()))
    body.update(number=number, state="open", merged_at=None, title="Format app.py",
                html_url=f"https://github.com/octo-org/octo-repo/pull/{number}")  # fmt: skip
    body["head"].update(ref=head, sha="c" * 40)
    body["base"].update(ref=base)
    body["head"]["repo"]["full_name"] = "someone/octo-repo" if fork else "octo-org/octo-repo"
    body["base"]["repo"]["full_name"] = "octo-org/octo-repo"
    return body


@dataclass
class FakeGitHub:
    """GitHub's repository: its branches (name -> sha), pull requests, and the git objects it was sent."""

    branches: dict[str, str] = field(default_factory=lambda: {"main": "a" * 40})
    pulls: list[dict[str, Any]] = field(default_factory=list)
    blobs: list[bytes] = field(default_factory=list)
    trees: list[dict[str, Any]] = field(default_factory=list)
    commits: list[dict[str, Any]] = field(default_factory=list)
    remote: Path | None = None  # the bare repository git pushes to stands for GitHub's own

    def has(self, branch: str) -> bool:
        if branch in self.branches:
            return True
        found = self.remote is not None and git(self.remote, "branch", "--list", branch)
        return bool(found)

    def install(self, api: responses.RequestsMock) -> FakeGitHub:
        api.get(GH, json={"id": 1296269, "full_name": "octo-org/octo-repo", "default_branch": "main",
                          "html_url": "https://github.com/octo-org/octo-repo"})  # fmt: skip
        api.add_callback("GET", re.compile(re.escape(f"{GH}/git/ref/heads/") + ".+"), callback=self.ref)
        api.add_callback("POST", f"{GH}/git/blobs", callback=self.blob)
        api.add_callback(
            "GET", re.compile(re.escape(f"{GH}/git/commits/") + "[0-9a-f]+"), callback=self.commit
        )
        api.add_callback("POST", f"{GH}/git/trees", callback=self.tree)
        api.add_callback("POST", f"{GH}/git/commits", callback=self.new_commit)
        api.add_callback("POST", f"{GH}/git/refs", callback=self.new_ref)
        api.add_callback("GET", f"{GH}/pulls", callback=self.list_pulls)
        api.add_callback("POST", f"{GH}/pulls", callback=self.open_pull)
        return self

    def ref(self, request) -> tuple[int, dict, str]:
        name = urlsplit(request.url).path.split("/git/ref/heads/", 1)[1]
        if not self.has(name):
            return 404, {}, json.dumps({"message": "Not Found", "status": "404"})
        sha = self.branches.get(name) or git(self.remote, "rev-parse", f"refs/heads/{name}")
        return 200, {}, json.dumps({"ref": f"refs/heads/{name}", "object": {"sha": sha, "type": "commit"}})

    def blob(self, request) -> tuple[int, dict, str]:
        sent = json.loads(request.body)
        assert sent["encoding"] == "base64"
        self.blobs.append(base64.b64decode(sent["content"]))
        sha = f"{len(self.blobs):040x}"
        return 201, {}, json.dumps({"sha": sha, "url": f"{GH}/git/blobs/{sha}"})

    def commit(self, request) -> tuple[int, dict, str]:
        sha = request.url.rsplit("/", 1)[1]
        return 200, {}, json.dumps({"sha": sha, "tree": {"sha": "e" * 40, "url": ""}, "parents": []})

    def tree(self, request) -> tuple[int, dict, str]:
        self.trees.append(json.loads(request.body))
        return 201, {}, json.dumps({"sha": "f" * 40, "tree": [], "truncated": False})

    def new_commit(self, request) -> tuple[int, dict, str]:
        self.commits.append(json.loads(request.body))
        return 201, {}, json.dumps({"sha": "d" * 40, "message": self.commits[-1]["message"]})

    def new_ref(self, request) -> tuple[int, dict, str]:
        sent = json.loads(request.body)
        name = sent["ref"].removeprefix("refs/heads/")
        if name in self.branches:
            return 422, {}, json.dumps({"message": "Reference already exists", "status": "422"})
        self.branches[name] = sent["sha"]
        return 201, {}, json.dumps({"ref": sent["ref"], "object": {"sha": sent["sha"], "type": "commit"}})

    def list_pulls(self, request) -> tuple[int, dict, str]:
        head = parse_qs(urlsplit(request.url).query)["head"][0]
        owner, branch = head.split(":", 1)
        assert owner == "octo-org"
        return 200, {}, json.dumps([p for p in self.pulls if p["head"]["ref"] == branch])

    def open_pull(self, request) -> tuple[int, dict, str]:
        sent = json.loads(request.body)
        if not self.has(sent["head"]):
            return 422, {}, json.dumps({"message": "Validation Failed", "errors": [{"field": "head"}]})
        pull = github_pull(len(self.pulls) + 1, sent["head"], sent["base"])
        pull.update(title=sent["title"], body=sent["body"])
        self.pulls.append(pull)
        return 201, {}, json.dumps(pull)


@dataclass
class FakeGitLab:
    """A GitLab project: branches, merge requests, and the commits it was asked to write."""

    branches: dict[str, str] = field(default_factory=lambda: {"main": "a" * 40})
    merge_requests: list[dict[str, Any]] = field(default_factory=list)
    commits: list[dict[str, Any]] = field(default_factory=list)

    def install(self, api: responses.RequestsMock) -> FakeGitLab:
        api.get(GL, json={"id": 7, "path_with_namespace": "group/app", "default_branch": "main",
                          "web_url": "https://gitlab.com/group/app"})  # fmt: skip
        api.add_callback(
            "GET", re.compile(re.escape(f"{GL}/repository/branches/") + ".+"), callback=self.branch
        )
        api.add_callback("POST", f"{GL}/repository/commits", callback=self.commit)
        api.add_callback("GET", f"{GL}/merge_requests", callback=self.list_mrs)
        api.add_callback("POST", f"{GL}/merge_requests", callback=self.open_mr)
        return self

    def branch(self, request) -> tuple[int, dict, str]:
        name = urlsplit(request.url).path.split("/repository/branches/", 1)[1].replace("%2F", "/")
        if name not in self.branches:
            return 404, {}, json.dumps({"message": "404 Branch Not Found"})
        return 200, {}, json.dumps({"name": name, "commit": {"id": self.branches[name]}, "protected": False})

    def commit(self, request) -> tuple[int, dict, str]:
        sent = json.loads(request.body)
        if sent["branch"] in self.branches:
            return 400, {}, json.dumps({"message": "A branch called 'x' already exists"})
        self.commits.append(sent)
        self.branches[sent["branch"]] = "d" * 40
        return 201, {}, json.dumps({"id": "d" * 40, "short_id": "dddddddd", "title": sent["commit_message"]})

    def list_mrs(self, request) -> tuple[int, dict, str]:
        branch = parse_qs(urlsplit(request.url).query)["source_branch"][0]
        return 200, {}, json.dumps([m for m in self.merge_requests if m["source_branch"] == branch])

    def open_mr(self, request) -> tuple[int, dict, str]:
        sent = json.loads(request.body)
        iid = len(self.merge_requests) + 1
        mr = {"id": 100 + iid, "iid": iid, "project_id": 7, "title": sent["title"],
              "description": sent["description"], "state": "opened", "source_branch": sent["source_branch"],
              "target_branch": sent["target_branch"], "source_project_id": 7, "target_project_id": 7,
              "sha": "d" * 40, "web_url": f"https://gitlab.com/group/app/-/merge_requests/{iid}"}  # fmt: skip
        self.merge_requests.append(mr)
        return 201, {}, json.dumps(mr)
