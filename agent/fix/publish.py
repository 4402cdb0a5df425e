"""Publish a fix: the work tree's changes as one commit on a new branch, and a pull request for it.

``publish`` is what ``orchestrate fix --push`` calls once its fixes are validated. It:

1. commits every change of the work tree beside the checkout (``_git.commit_work_tree``), with a message
   whose trailers name the fix job (``Orchestrate-Fix-Job: <id>``) and the failed run;
2. finds the repository host (GitHub or GitLab, ``_target``) and its default branch, and refuses a branch
   that is the default branch or the one checked out: a fix never lands on a line people work on;
3. pushes the commit with git as the new branch ``orchestrate/fix-<job>`` (``orchestrate/fix-<commit>``
   without a job) when the ``origin`` remote takes it (CI checkouts usually hold a credential), and
   otherwise writes it through the host's API (GitHub's git data API, GitLab's commits API);
4. opens a pull request (a merge request on GitLab) from it into the branch the fix was made on.

Publishing the same fix job again changes nothing: the branch exists, so its pull request is found (or
opened, when the first attempt stopped before it) and returned. A later round is different: the hub
dispatched the fix workflow on the job's own branch (its run was red, ``fixer.max_rounds``), so the
checkout is that branch; the new commit is pushed onto it when the branch's tip is still the commit the
round started from (never forced), and the pull request stays the same. The hub links the pull request
to its fix job by the branch name (or the trailer). Everything the caller knows comes in as arguments
and ``env``; nothing is read from ``os.environ`` here, so tests and the CLI drive it alike.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from agent.fix import _git, _target
from agent.providers import ProviderError, get_provider
from agent.redact import redact

BRANCH_PREFIX = "orchestrate/fix-"
TRAILER = "Orchestrate-Fix-Job"
RUN_TRAILER = "Orchestrate-Run"
FIX_JOB = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
# Where a CI names the branch it built, when the checkout is detached: the base of the pull request.
BRANCH_VARIABLES = (
    "GITHUB_HEAD_REF",  # a pull request's head (GITHUB_REF_NAME is its merge ref there)
    "GITHUB_REF_NAME",
    "CI_MERGE_REQUEST_SOURCE_BRANCH_NAME",
    "CI_COMMIT_BRANCH",
    "CIRCLE_BRANCH",
)


class PublishError(Exception):
    """Publishing was refused or failed; the message is one line saying what to do next."""


def branch_for(fix_job: str | None, commit: str) -> str:
    """``orchestrate/fix-<job>``: the name the hub finds the pull request by."""
    return BRANCH_PREFIX + (fix_job or commit[:12])


def fix_job_of(branch: str) -> str | None:
    """The fix job a branch was published for, or None for any other branch."""
    if not branch.startswith(BRANCH_PREFIX):
        return None
    job = branch[len(BRANCH_PREFIX) :]
    return job if FIX_JOB.fullmatch(job) else None


def trailers_of(message: str) -> dict[str, str]:
    """The ``Key: value`` trailers of a commit message's last paragraph."""
    last = message.strip().split("\n\n")[-1]
    found = {}
    for line in last.splitlines():
        key, sep, value = line.partition(":")
        if sep and re.fullmatch(r"[A-Za-z0-9-]+", key.strip()):
            found[key.strip()] = value.strip()
    return found


def message_for(title: str, fix_job: str | None, run_url: str | None) -> str:
    lines = [f"{TRAILER}: {fix_job}"] if fix_job else []
    if run_url:
        lines.append(f"{RUN_TRAILER}: {run_url}")
    note = "Made by orchestrate fix" + (f" for the failed run {run_url}" if run_url else "") + "."
    return f"{title.strip()}\n\n{note}\n" + ("\n" + "\n".join(lines) + "\n" if lines else "")


def body_for(body: str, fix_job: str | None, run_url: str | None) -> str:
    footer = []
    if run_url and run_url not in body:
        footer.append(f"Failed run: {run_url}")
    if fix_job:
        footer.append(f"Fix job: {fix_job} (Orchestrate)")
    return body.rstrip() + ("\n\n---\n" + "\n".join(footer) + "\n" if footer else "\n")


def publish(
    repo: Path,
    *,
    title: str,
    body: str,
    fix_job: str | None,
    run_url: str | None,
    env: Mapping[str, str],
) -> Mapping[str, Any]:
    """Commit the work tree's changes on a new branch, push it, and open a pull request; returns
    ``branch``, ``commit``, ``pull_request_url`` (and ``pull_request``, ``base``, ``via``, ``provider``,
    ``reused``). ``PublishError`` says why nothing (or not everything) was published."""
    if fix_job is not None and not FIX_JOB.fullmatch(fix_job):
        raise PublishError(f"fix job {fix_job!r} is not an id (letters, digits, - and _); pass the hub's id")
    if not title.strip():
        raise PublishError("a pull request needs a title; pass one")
    try:
        return _publish(repo, title=title, body=body, fix_job=fix_job, run_url=run_url, env=env)
    except _git.GitError as exc:
        raise PublishError(str(exc)) from None
    except _target.TargetError as exc:
        raise PublishError(str(exc)) from None
    except ProviderError as exc:
        raise PublishError(redact(str(exc))) from None


def _publish(
    path: Path, *, title: str, body: str, fix_job: str | None, run_url: str | None, env: Mapping[str, str]
) -> dict[str, Any]:
    repo = _git.open_repo(path)
    parent = _git.head(repo)
    commit = _git.commit_work_tree(repo, message_for(title, fix_job, run_url))
    if commit is None:
        raise PublishError("nothing to publish: the work tree has no change from HEAD")
    branch = branch_for(fix_job, commit)
    config = _target.target(env, repo.root, _git.remote_url(repo))
    if config.token is None:
        raise PublishError(f"no {config.provider} token to open a pull request with: {config.token_hint()}")
    client = get_provider(
        config.provider, config.repo, token=config.token, api_url=config.api_url,
        config=config.client_config(),
    )  # fmt: skip
    default = client.repository().default_branch
    base = _git.current_branch(repo) or _first(env, BRANCH_VARIABLES) or default
    if fix_job is not None and branch == base and branch != default:
        return _next_round(repo, client, branch, commit, parent, config.provider)
    if branch in (default, base):
        raise PublishError(f"refusing to publish onto {branch!r}, the default or current branch; fix jobs "
                           f"publish on their own {BRANCH_PREFIX}<job> branch")  # fmt: skip
    result: dict[str, Any] = {"branch": branch, "base": base, "provider": config.provider, "reused": False}
    existing = client.branch_sha(branch)
    if existing is not None:  # published before: the branch stays as it was
        result.update(commit=existing, via="existing branch", reused=True)
    elif (refused := _git.push(repo, commit, branch)) is None:
        result.update(commit=commit, via="git")
    else:
        files = _git.changes(repo, parent, commit)
        message = message_for(title, fix_job, run_url)
        written = client.create_commit(branch=branch, parent=parent, message=message, files=files)
        result.update(commit=written, via="api", push_refused=refused)
    found = next(iter(client.find_pull_requests(branch)), None)
    if found is None:
        text = body_for(body, fix_job, run_url)
        found = client.open_pull_request(head=branch, base=base, title=title.strip(), body=text)
    return {**result, "pull_request": found.number, "pull_request_url": found.url}


def _next_round(repo: _git.Repo, client: Any, branch: str, commit: str, parent: str, provider: str) -> dict:
    """A later round of the fix job (the hub dispatched the fix workflow on its own branch): the commit
    goes onto that branch, on top of the tip it was made from (never forced), and its pull request stays."""
    tip = client.branch_sha(branch)
    if tip != parent:
        where = (
            "is not on the host"
            if tip is None
            else f"moved to {tip[:12]} since {parent[:12]} was checked out"
        )
        raise PublishError(f"refusing to publish onto {branch!r}: the fix branch {where}; dispatch the round "
                           "again on the branch as it is now")  # fmt: skip
    refused = _git.push(repo, commit, branch)
    if refused is not None:
        raise PublishError(f"the push of the round's commit onto {branch!r} was refused ({refused}); give "
                           "the fix workflow a checkout credential that may push to it")  # fmt: skip
    found = next(iter(client.find_pull_requests(branch)), None)
    if found is None:
        raise PublishError(f"{branch!r} has no open pull request; open one from it, or start a new fix job")
    return {
        "branch": branch, "base": found.base, "provider": provider, "reused": False, "commit": commit,
        "via": "git", "round": True, "pull_request": found.number, "pull_request_url": found.url,
    }  # fmt: skip


def _first(env: Mapping[str, str], names: tuple[str, ...]) -> str | None:
    for name in names:
        value = (env.get(name) or "").strip()
        if value:
            return value
    return None
