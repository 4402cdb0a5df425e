"""The git side of publishing a fix: a commit of the work tree made beside the checkout, and a push.

The commit is built in a throwaway index (``GIT_INDEX_FILE``) read from ``HEAD`` and given every change of
the work tree (new files included, ignored ones not), then written with ``commit-tree``: the checkout, its
index and its branch are left exactly as they were. Nothing here prompts (``GIT_TERMINAL_PROMPT=0``), and
no remote URL is ever shown (it may carry a token).
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from agent.providers.changes import EXECUTABLE, FileChange
from agent.redact import redact

GIT_TIMEOUT = 120
IDENTITY = ("Orchestrate fixer", "orchestrate-fix@noreply.invalid")  # when git has none configured


class GitError(Exception):
    """A git command failed; the message is one line for a person."""


@dataclass(frozen=True)
class Repo:
    root: Path

    def git(self, *args: str, index: str | None = None, check: bool = True) -> subprocess.CompletedProcess:
        env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"}
        if index is not None:
            env["GIT_INDEX_FILE"] = index
        result = subprocess.run(
            ["git", "-C", str(self.root), *args],
            capture_output=True,
            env=env,
            timeout=GIT_TIMEOUT,
            check=False,
        )
        if check and result.returncode != 0:
            said = result.stderr.decode("utf-8", "replace").strip().splitlines()
            raise GitError(
                redact(f"git {args[0]} failed: {said[-1] if said else f'exit {result.returncode}'}")
            )
        return result

    def out(self, *args: str, index: str | None = None) -> str:
        return self.git(*args, index=index).stdout.decode("utf-8", "replace").strip()


def open_repo(path: Path) -> Repo:
    """The repository whose work tree holds ``path``; ``GitError`` when there is none or it has no commit."""
    try:
        root = Repo(Path(path)).out("rev-parse", "--show-toplevel")
    except (GitError, FileNotFoundError) as exc:
        raise GitError(f"{path} is not in a git work tree ({exc}); run the fix in a clone") from None
    repo = Repo(Path(root))
    if repo.git("rev-parse", "--verify", "-q", "HEAD", check=False).returncode != 0:
        raise GitError(f"{root} has no commit yet; a fix is published on top of one")
    return repo


def head(repo: Repo) -> str:
    return repo.out("rev-parse", "HEAD")


def current_branch(repo: Repo) -> str | None:
    """The branch checked out; None when HEAD is detached (as CIs often check out)."""
    result = repo.git("symbolic-ref", "-q", "--short", "HEAD", check=False)
    if result.returncode != 0:
        return None
    return result.stdout.decode().strip() or None


def remote_url(repo: Repo, remote: str = "origin") -> str | None:
    result = repo.git("remote", "get-url", remote, check=False)
    if result.returncode != 0:
        return None
    return result.stdout.decode().strip() or None


def commit_work_tree(repo: Repo, message: str) -> str | None:
    """A commit of every change in the work tree on top of HEAD; None when there is none to commit."""
    with tempfile.TemporaryDirectory(prefix="orchestrate-index-") as scratch:
        index = str(Path(scratch) / "index")
        repo.git("read-tree", "HEAD", index=index)
        repo.git("add", "-A", "--", ".", index=index)
        tree = repo.out("write-tree", index=index)
    if tree == repo.out("rev-parse", "HEAD^{tree}"):
        return None
    identity: list[str] = []
    if not repo.git("config", "user.email", check=False).stdout.strip():
        identity = ["-c", f"user.name={IDENTITY[0]}", "-c", f"user.email={IDENTITY[1]}"]
    result = subprocess.run(
        ["git", "-C", str(repo.root), *identity, "commit-tree", tree, "-p", "HEAD", "-F", "-"],
        input=message.encode(),
        capture_output=True,
        env={**os.environ, "GIT_TERMINAL_PROMPT": "0"},
        timeout=GIT_TIMEOUT,
        check=False,
    )
    if result.returncode != 0:
        raise GitError(redact(f"git commit-tree failed: {result.stderr.decode('utf-8', 'replace').strip()}"))
    return result.stdout.decode().strip()


def changes(repo: Repo, parent: str, commit: str) -> list[FileChange]:
    """What ``commit`` changes against ``parent``, file by file, with contents (for a provider's API)."""
    listing = repo.git("diff-tree", "-r", "-z", "--no-renames", "--no-commit-id", parent, commit).stdout
    fields = listing.decode("utf-8", "surrogateescape").split("\0")
    found = []
    for meta, path in zip(fields[0::2], fields[1::2], strict=False):
        if not meta:
            continue
        _, new_mode, _, sha, status = meta.lstrip(":").split()
        if status == "D":
            found.append(FileChange(path, None))
            continue
        if new_mode not in ("100644", EXECUTABLE):
            raise GitError(f"{path} is a symbolic link or submodule, which the provider's API cannot write")
        content = repo.git("cat-file", "blob", sha).stdout
        found.append(FileChange(path, content, new=status == "A", mode=new_mode))
    return found


def push(repo: Repo, commit: str, branch: str, remote: str = "origin") -> str | None:
    """Push ``commit`` as the new ``branch`` (never forced); None when it went, else git's last line."""
    result = repo.git("push", "--porcelain", remote, f"{commit}:refs/heads/{branch}", check=False)
    if result.returncode == 0:
        return None
    said = result.stderr.decode("utf-8", "replace").strip().splitlines()
    return redact(said[-1]) if said else f"exit {result.returncode}"
