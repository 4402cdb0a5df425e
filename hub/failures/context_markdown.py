"""The failure context as Markdown: a document to read, or to paste into a coding agent as it is.

A pure function of the JSON document (``services/context.py`` builds it, already bounded and redacted),
so the two forms never disagree. The Markdown has its own byte budget (``MAX_BYTES``): the run, the jobs
and the artifacts come first, then failing tests as long as they fit, then a line saying how many were
left out and where to get them.
"""

from __future__ import annotations

from typing import Any

from hub.failures import context_budget as budget

CLASSIFICATIONS = {
    "new": "new failure",
    "flaky": "known flaky test",
    "already_failing": "already failing on the base branch",
    "no_baseline": "no base-branch history",
}


def render(document: dict[str, Any]) -> str:
    """The whole document as Markdown of at most ``MAX_BYTES`` bytes (UTF-8)."""
    head = "\n".join([*_run(document), *_jobs(document), *_artifacts(document)])
    failures = [_failure(number, item) for number, item in enumerate(document["failures"], start=1)]
    room = budget.MAX_BYTES - _bytes(head) - 400  # the closing lines below fit in 400 bytes
    shown = budget.fit(failures, room, _bytes)
    hidden = document["failures_not_shown"] + len(failures) - shown
    lines = [head, "## Failing tests", ""]
    if not failures:
        lines.append("No failing test results were reported for this run.\n")
    lines += failures[:shown]
    if hidden:
        lines.append(
            f"**{hidden} more failing test{'s' * (hidden != 1)} not shown** (the context is limited to "
            f"{budget.MAX_FAILURES} tests and {budget.MAX_BYTES // 1024} KiB; the run's failures API "
            f"lists them all: `GET /api/v1/runs/{document['run']['id']}/failures/`)."
        )
    return "\n".join(lines).rstrip() + "\n"


def _run(document: dict[str, Any]) -> list[str]:
    run, summary = document["run"], document["summary"]
    counts = run["counts"]
    lines = [
        f"# Failure context: {run['project']} run {run['provider_run_id']}"
        + (f" (attempt {run['attempt']})" if run["attempt"] > 1 else ""),
        "",
        f"- **State**: {run['conclusion'] or run['status']}"
        + (f", [on the CI]({run['url']})" if run["url"] else ""),
        f"- **Workflow**: {run['workflow'] or '(unnamed)'}" + (f" ({run['event']})" if run["event"] else ""),
        f"- **Commit**: `{run['commit_sha'] or 'unknown'}` on `{run['branch'] or 'unknown'}`",
    ]
    if run["pull_request"]:
        link = f"[#{run['pull_request']}]({run['pull_request_url']})" if run["pull_request_url"] else ""
        lines.append(
            f"- **Pull request**: {link or '#' + str(run['pull_request'])} into `{run['base_branch']}`"
        )
    lines.append(
        f"- **Tests**: {counts['tests']} run, {counts['failed']} failed, {counts['errors']} errors, "
        f"{counts['skipped']} skipped, {counts['flaky']} passed on a retry"
    )
    kinds = ", ".join(f"{n} {CLASSIFICATIONS.get(k, k)}" for k, n in summary["by_classification"].items())
    categories = ", ".join(f"{n} {k}" for k, n in summary["by_category"].items())
    lines.append(
        f"- **Failing tests**: {summary['failing_tests']}"
        + (f"; {categories}" if categories else "")
        + (f"; {kinds}" if kinds else "")
    )
    return [*lines, ""]


def _jobs(document: dict[str, Any]) -> list[str]:
    if not document["jobs"]:
        return []
    lines = ["## Failed jobs", ""]
    for job in document["jobs"]:
        what = f"{job['category']} ({job['rule']})" if job["category"] and job["rule"] else job["category"]
        name = f"[{job['name']}]({job['url']})" if job["url"] else job["name"]
        lines.append(f"### {name}: {job['conclusion'] or 'failed'}" + (f", {what}" if what else ""))
        lines.append("")
        if job["log_excerpt"]:
            lines += ["Log excerpt (line numbers as in the log):", "", *_fence(job["log_excerpt"]), ""]
        elif job["log_state"]:
            lines += [f"The log is {job['log_state']}.", ""]
    if document["jobs_not_shown"]:
        lines += [f"{document['jobs_not_shown']} more failed jobs not shown.", ""]
    return lines


def _artifacts(document: dict[str, Any]) -> list[str]:
    if not document["artifacts"]:
        return []
    lines = ["## Artifacts", ""]
    for artifact in document["artifacts"]:
        name = f"[{artifact['name']}]({artifact['url']})" if artifact["url"] else artifact["name"]
        job = f", job {artifact['job']}" if artifact["job"] else ""
        lines.append(f"- {name} ({artifact['size']} bytes{job})")
    if document["artifacts_not_shown"]:
        lines.append(f"- {document['artifacts_not_shown']} more artifacts not shown")
    return [*lines, ""]


def _failure(number: int, item: dict[str, Any]) -> str:
    test = item["test"]
    title = f"{test['classname']}.{test['name']}" if test["classname"] else test["name"]
    facts = [f"job `{item['job']['name']}`", item["status"]]
    if item["category"]:
        facts.append(f"category {item['category']}" + (f" ({item['rule']})" if item["rule"] else ""))
    if item["classification"]:
        facts.append(CLASSIFICATIONS.get(item["classification"], item["classification"]))
    lines = [f"### {number}. `{title}`", "", "- " + ", ".join(facts)]
    if test["file"]:
        lines.append(f"- **File**: `{test['file']}`")
    if item["reproduce"]:
        lines.append(f"- **Reproduce**: `{item['reproduce']}`")
    if cluster := item["cluster"]:
        lines.append(
            f"- **Cluster** {cluster['id']}: {cluster['occurrences']} occurrences in "
            f"{cluster['tests']} tests since {cluster['first_seen'][:10]}"
        )
    if flaky := item["flaky"]:
        lines.append(f"- **Flaky verdict**: {flaky['state']} (score {flaky['score']:.2f})")
        lines += [f"  - {sentence}" for sentence in flaky["evidence"]]
    if entry := item["quarantine"]:
        owner = f", owner {entry['owner']}" if entry["owner"] else ""
        until = f", until {entry['expires_at'][:10]}" if entry["expires_at"] else ""
        lines.append(f"- **Quarantined**: {entry['reason']}{owner}{until}")
    if item["attempts_not_shown"]:
        lines.append(f"- {item['attempts_not_shown']} earlier attempts not shown")
    lines.append("")
    for attempt in item["attempts"]:
        kind = f" {attempt['failure_type']}" if attempt["failure_type"] else ""
        lines += [f"Attempt {attempt['attempt']}: **{attempt['status']}**{kind}", ""]
        if attempt["message"]:
            lines += _fence(attempt["message"])
        if attempt["trace"]:
            lines += _fence(attempt["trace"])
        if attempt["output"]:
            lines += ["Output:", *_fence(attempt["output"])]
        lines.append("")
    return "\n".join(lines)


def _fence(text: str) -> list[str]:
    """``text`` in a code block whose fence is longer than any backtick run inside it."""
    longest, run = 0, 0
    for char in text:
        run = run + 1 if char == "`" else 0
        longest = max(longest, run)
    fence = "`" * max(3, longest + 1)
    return [fence, text, fence]


def _bytes(text: str) -> int:
    return len(text.encode())
