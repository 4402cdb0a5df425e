"""GitHub Actions output: the job summary, annotations, step outputs and secret masking.

Workflow commands are lines on stdout (``::error file=...::message``); their data and properties are
escaped as the runner expects (data: ``%`` ``\\r`` ``\\n``; properties also ``:`` and ``,``), or a
message with a newline would end the command early and a file name with a comma would corrupt it.
The job summary is Markdown appended to ``$GITHUB_STEP_SUMMARY``; GitHub refuses a step's summary above
1 MiB and then shows nothing, so ours is built against a byte budget and says what it left out.
"""

from __future__ import annotations

import html
import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path

from agent.commands.tally import Tally
from agent.model import Status, TestCase
from agent.quarantine import QuarantineEntry
from agent.upload import FileResult

MAX_SUMMARY_BYTES = 1024 * 1024
SUMMARY_MARGIN = 4 * 1024  # room for the truncation note and for rounding
MAX_PARSE_ERRORS_SHOWN = 20
MAX_DETAIL_CHARS = 3_000
MAX_ANNOTATION_CHARS = 4_000
MAX_TITLE_CHARS = 255


def escape_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(value: str) -> str:
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")


def command(name: str, message: str = "", **properties: str | int | None) -> str:
    """One workflow command line, e.g. ``command("error", "boom", file="a.py", line=3)``."""
    props = ",".join(
        f"{key}={escape_property(str(value))}" for key, value in properties.items() if value is not None
    )
    return f"::{name}{' ' + props if props else ''}::{escape_data(message)}"


def mask(secret: str) -> str:
    return command("add-mask", secret)


def annotations(tally: Tally) -> list[str]:
    """``::error`` lines for failed tests that name a file, most useful first, at most 50; a quarantined
    test's failure is a ``::warning``, since it does not fail the step."""
    return [
        _annotation(case, quarantined=tally.quarantine_entry(case) is not None)
        for case in tally.annotation_candidates
    ]


def _annotation(case: TestCase, *, quarantined: bool = False) -> str:
    title = _test_name(case)[:MAX_TITLE_CHARS]
    message = case.message or case.trace or f"{case.status.value}: {title}"
    level = "warning" if quarantined else "error"
    if quarantined:
        title = f"Quarantined: {title}"[:MAX_TITLE_CHARS]
    return command(level, message[:MAX_ANNOTATION_CHARS], file=case.file, line=case.line, title=title)


def outputs_text(values: Mapping[str, str]) -> str:
    """``$GITHUB_OUTPUT`` lines; a value with a newline uses the heredoc form with a fresh delimiter."""
    lines = []
    for name, value in values.items():
        if "\n" in value or "\r" in value:
            delimiter = f"ghadelimiter_{uuid.uuid4().hex}"
            lines.append(f"{name}<<{delimiter}\n{value}\n{delimiter}\n")
        else:
            lines.append(f"{name}={value}\n")
    return "".join(lines)


def write_outputs(path: Path, tally: Tally, report_url: str | None) -> None:
    values = {name: str(number) for name, number in tally.counts().items()}
    values["report-url"] = report_url or ""
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(outputs_text(values))


def append_summary(path: Path, tally: Tally, files: Sequence[FileResult], run_url: str | None) -> None:
    """Append the summary, within what is left of the step's 1 MiB after earlier writes to the file."""
    try:
        used = path.stat().st_size
    except OSError:
        used = 0
    text = markdown_summary(tally, files, run_url, budget=MAX_SUMMARY_BYTES - used)
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(text)


def markdown_summary(
    tally: Tally, files: Sequence[FileResult], run_url: str | None, *, budget: int = MAX_SUMMARY_BYTES
) -> str:
    """The job summary in Markdown, at most ``budget`` UTF-8 bytes (less a margin): counts, link, parse
    errors and slowest tests always; failed tests' details while they fit, then a note of how many more."""
    budget -= SUMMARY_MARGIN
    head = [_title(tally), "", _counts_table(tally, files), ""]
    if tally.quarantined:
        head += [
            f"**Quarantined:** {tally.quarantined} of the {tally.failed_or_errored} failures are tests on "
            "the project's quarantine list; they are recorded but do not fail the step.",
            "",
        ]
    if run_url:
        head += [f"[See this run in Orchestrate]({run_url})", ""]
    errors = [f for f in files if f.error]
    if errors:
        head += [f"#### Files that could not be read ({len(errors)})", ""]
        head += [f"- {_inline(f.error or '', 500)}" for f in errors[:MAX_PARSE_ERRORS_SHOWN]]
        if len(errors) > MAX_PARSE_ERRORS_SHOWN:
            head.append(f"- ... and {len(errors) - MAX_PARSE_ERRORS_SHOWN} more")
        head.append("")
    tail = _slowest_table(tally)
    fixed = "\n".join(head) + "\n" + tail
    if len(fixed.encode()) > budget:  # pathological: even the fixed parts do not fit
        return _clip_bytes("\n".join(head[:3]) + "\n", max(budget, 0))

    details: list[str] = []
    failing = tally.failed_or_errored
    if failing:
        details.append(f"#### Failed tests ({failing})\n")
    room = budget - len(fixed.encode()) - sum(len(d.encode()) for d in details)
    shown = 0
    for case in tally.failures:
        block = _failure_block(case, tally.quarantine_entry(case))
        size = len(block.encode())
        if size > room:
            break
        details.append(block)
        room -= size
        shown += 1
    if failing > shown:
        details.append(
            f"\n_{failing - shown} more failed tests are not shown here; see the full report in the hub._\n"
        )
    return "\n".join(head) + "\n" + "".join(details) + ("\n" if details else "") + tail


def _title(tally: Tally) -> str:
    if tally.failed_or_errored and not tally.unquarantined:
        mark = "⚠️"
    elif tally.failed_or_errored:
        mark = "❌"
    elif tally.tests:
        mark = "✅"
    else:
        mark = "⚪"
    return f"### {mark} Test results"


def _counts_table(tally: Tally, files: Sequence[FileResult]) -> str:
    read = sum(1 for f in files if f.kind == "tests" and not f.error)
    unreadable = sum(1 for f in files if f.error)
    return (
        "| Tests | Passed | Failed | Errors | Skipped | Flaky | Files | Unreadable |\n"
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n"
        f"| {tally.tests} | {tally.passed} | {tally.failed} | {tally.errors} | {tally.skipped} "
        f"| {tally.flaky} | {read} | {unreadable} |"
    )


def _failure_block(case: TestCase, quarantined: QuarantineEntry | None = None) -> str:
    where = f" ({html.escape(case.file)}{':' + str(case.line) if case.line else ''})" if case.file else ""
    label = "error" if case.status is Status.ERROR else "failed"
    if quarantined is not None:
        by = f", owner {quarantined.owner}" if quarantined.owner else ""
        label += f" (quarantined: {_inline(quarantined.reason + by, 300)})"
    body = "\n\n".join(part for part in (case.message, case.trace) if part) or "(no message)"
    if len(body) > MAX_DETAIL_CHARS:
        body = body[:MAX_DETAIL_CHARS] + f"\n... [{len(body) - MAX_DETAIL_CHARS} characters cut]"
    return (
        f"<details><summary>{label}: <code>{_inline(_test_name(case), 300)}</code>{where}</summary>\n\n"
        f"<pre>{html.escape(body)}</pre>\n</details>\n"
    )


def _slowest_table(tally: Tally) -> str:
    slowest = tally.slowest
    if not slowest:
        return ""
    rows = ["#### Slowest tests", "", "| Test | Duration (s) |", "| --- | ---: |"]
    rows += [f"| {_inline(_test_name(case), 200)} | {case.duration or 0:.3f} |" for case in slowest]
    return "\n".join(rows) + "\n"


def _test_name(case: TestCase) -> str:
    owner = case.classname or case.suite
    return f"{owner}.{case.name}" if owner and not case.name.startswith(owner) else case.name


def _inline(text: str, limit: int) -> str:
    """Text safe inside a Markdown table cell or an HTML element on one line."""
    text = " ".join(text.split())
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return html.escape(text).replace("|", "&#124;")


def _clip_bytes(text: str, limit: int) -> str:
    return text.encode()[:limit].decode("utf-8", "ignore")
