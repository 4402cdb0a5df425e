"""The prompt a coding agent gets: a template filled from the failure context (or an operator's task),
bounded in size, secrets redacted.

The template is ``prompt.md`` beside this module, or the project's own (``AgentConnection.prompt_template``),
filled with ``string.Template``: ``$project``, ``$repository``, ``$base_branch``, ``$goal``,
``$instructions``, ``$context`` and ``$marker``. The context is the run's failure context as Markdown
(``hub.failures.services.context``, already bounded to 64 KiB and redacted), shaped by the attempt's
strategy: the first attempt gets it as it is; the second (``more_context``) adds the failing tests' whole
stored traces and output and more of the failed jobs' logs; the third (``narrow``) keeps only the first
failing test and asks for that alone. The whole prompt is cut to ``MAX_BYTES`` (the context is what gets
cut, with a line saying so) and passed through ``agent.redact`` once more, since a template or a task's
text may carry a credential too. No token of the hub's or the provider's is ever put into it.
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass
from pathlib import Path
from string import Template
from typing import Any

from agent.redact import redact
from hub.failures import context_budget as budget
from hub.failures import context_markdown
from hub.failures.services.context import run_context
from hub.operations.models import JobLog, LogState
from hub.response.agents.models import Priority, Strategy, Task
from hub.runs.models import ResultStatus, Run, TestResult

TEMPLATE = Path(__file__).with_name("prompt.md")
PLACEHOLDERS = frozenset(
    {"project", "repository", "base_branch", "goal", "instructions", "context", "marker"}
)
MAX_BYTES = 96 * 1024  # the whole prompt, UTF-8; Codegen and most agents take far more, a reader less
MORE_TESTS = 5  # failing tests whose whole stored trace and output the second attempt adds
MORE_TRACE_LINES = 400
MORE_LOG_LINES = 300  # the tail of each failed job's stored log, for the second attempt
REPOSITORY_URLS = {"github": "https://github.com/{name}", "gitlab": "https://gitlab.com/{name}"}


@dataclass(frozen=True)
class Prompt:
    text: str
    document: dict[str, Any]  # what the generic adapter sends beside the text (the context as data)


def template_errors(text: str) -> list[str]:
    """Problems with a project's template: placeholders the hub does not fill, or a bad ``$``."""
    template = Template(text)
    if not template.is_valid():
        return ["a '$' that starts no placeholder: write '$$' for a dollar sign"]
    unknown = sorted(set(template.get_identifiers()) - PLACEHOLDERS)
    return [f"unknown placeholder ${name}; known: {', '.join(sorted(PLACEHOLDERS))}" for name in unknown]


def for_run(run: Run, strategy: str, marker: str, template: str = "") -> Prompt:
    """The prompt for fixing ``run`` with ``strategy`` (``Strategy``)."""
    document = run_context(run)
    goal = f"Make the failed CI run {_run_line(run)} pass."
    instructions = ""
    if strategy == Strategy.NARROW and document["failures"]:
        first = document["failures"][0]
        left_out = document["failures_not_shown"] + len(document["failures"]) - 1
        document = {**document, "failures": [first], "failures_not_shown": left_out}
        name = first["test"]["name"]
        goal = f"Make the test `{name}` pass in {_run_line(run)}; earlier attempts at the whole run failed."
        instructions = f"- Work on `{name}` only; leave the other failures for later.\n"
    context = context_markdown.render(document)
    if strategy == Strategy.MORE_CONTEXT:
        instructions = "- An earlier attempt with less context failed; the full traces and logs follow.\n"
        context += _more_context(run)
    return _fill(run.project, goal, instructions, context, marker, template, run.base_branch or run.branch,
                 {"run": document["run"], "strategy": strategy})  # fmt: skip


def for_task(task: Task, strategy: str, marker: str, template: str = "") -> Prompt:
    """The prompt for an operator's ``task``, with the repository's latest run on its default branch."""
    goal = f"{task.title}\n\n{task.description}"
    if task.requirements:
        goal += f"\n\n### Requirements\n{task.requirements}"
    if task.acceptance_criteria:
        goal += f"\n\n### Acceptance criteria\n{task.acceptance_criteria}"
    instructions = "- This is urgent: keep the change small.\n" if task.priority == Priority.URGENT else ""
    if strategy != Strategy.CONTEXT:
        instructions += "- An earlier attempt failed; narrow the change to the acceptance criteria.\n"
    latest = task.project.runs.order_by("-created_at", "-id").first()
    context = (
        f"The repository's latest run known to the hub: {_run_line(latest)}, "
        f"{latest.conclusion or latest.status}.\n"
        if latest
        else "The hub has no run of this repository yet.\n"
    )
    task_doc = {"task": {"id": task.pk, "title": task.title, "priority": task.priority}, "strategy": strategy}
    branch = latest.base_branch or latest.branch if latest else ""
    return _fill(task.project, goal, instructions, context, marker, template, branch, task_doc)


def _fill(project, goal: str, instructions: str, context: str, marker: str, template: str, branch: str,
          document: dict[str, Any]) -> Prompt:  # fmt: skip
    values = {
        "project": project.full_name,
        "repository": REPOSITORY_URLS.get(project.provider, "{name}").format(name=project.full_name),
        "base_branch": branch or "the default branch",
        "goal": redact(goal),
        "instructions": instructions,
        "marker": marker,
        "context": "",
    }
    text = Template(template or TEMPLATE.read_text()).safe_substitute(values)
    room = MAX_BYTES - len(text.encode())
    context = redact(context)
    if len(context.encode()) > room:
        note = "\n[... the context was cut here to keep the prompt within its size limit ...]\n"
        context = context.encode()[: max(room - len(note.encode()), 0)].decode(errors="ignore") + note
    text = Template(template or TEMPLATE.read_text()).safe_substitute({**values, "context": context})
    text = redact(text).encode()[:MAX_BYTES].decode(errors="ignore")
    return Prompt(text, {"project": project.full_name, "marker": marker, **document})


def _run_line(run: Run) -> str:
    where = f" on {run.branch}" if run.branch else ""
    commit = f" at {run.commit_sha[:12]}" if run.commit_sha else ""
    link = f" ({run.url})" if run.url else ""
    return f"{run.provider_run_id} attempt {run.attempt}{where}{commit}{link}"


def _more_context(run: Run) -> str:
    """The failing tests' whole stored traces and output, and the tails of the failed jobs' logs."""
    parts = ["\n## Full traces (more context)\n"]
    failing = (
        TestResult.objects.filter(
            job__run=run, final=True, status__in=(ResultStatus.FAILED, ResultStatus.ERROR)
        )
        .select_related("test")
        .order_by("id")[:MORE_TESTS]
    )
    for result in failing:
        body = "\n".join(filter(None, [result.message, result.trace, result.output]))
        parts.append(f"### {result.test}\n```\n{budget.clip_lines(body, MORE_TRACE_LINES, 40000)}\n```\n")
    for log in JobLog.objects.filter(job__run=run, state=LogState.STORED).select_related("job")[
        : budget.MAX_LOG_JOBS
    ]:
        lines = gzip.decompress(bytes(log.content)).decode(errors="replace").splitlines()[-MORE_LOG_LINES:]
        parts.append(
            f"### Log of {log.job.name} (last {len(lines)} lines)\n```\n" + "\n".join(lines) + "\n```\n"
        )
    return redact("\n".join(parts))


def for_round(run: Run, pull_request_url: str, number: int, marker: str, template: str = "") -> Prompt:
    """Round ``number`` for the agent's own pull request, whose CI ``run`` ended red: that run's failure
    context, asked to be fixed on the pull request's branch rather than in a new one."""
    document = run_context(run)
    goal = (
        f"Your pull request {pull_request_url} does not pass its CI: make the run {_run_line(run)} pass "
        f"(round {number})."
    )
    instructions = "- Push the fix to that pull request's branch; do not open another pull request.\n"
    return _fill(run.project, goal, instructions, context_markdown.render(document), marker, template,
                 run.base_branch or "", {"run": document["run"], "round": number,
                                         "pull_request_url": pull_request_url})  # fmt: skip
