"""The plain-text summary printed outside GitHub Actions: the job summary's content, for a terminal."""

from __future__ import annotations

from collections.abc import Sequence

from agent.commands.tally import Tally
from agent.upload import FileResult

MAX_FAILURES_LISTED = 20
MAX_LINE = 200


def text_summary(tally: Tally, files: Sequence[FileResult], run_url: str | None) -> str:
    lines = [
        f"Tests: {tally.tests}  passed: {tally.passed}  failed: {tally.failed}  errors: {tally.errors}  "
        f"skipped: {tally.skipped}  flaky: {tally.flaky}"
    ]
    unreadable = [f for f in files if f.error]
    if unreadable:
        lines.append(f"Files that could not be read ({len(unreadable)}):")
        lines += [f"  {_line(f.error or '')}" for f in unreadable[:MAX_FAILURES_LISTED]]
    if tally.failures:
        lines.append(f"Failed tests ({tally.failed_or_errored}):")
        if tally.quarantined:
            lines.append(
                f"  {tally.quarantined} of them quarantined (they do not fail the step), "
                f"{tally.unquarantined} not quarantined"
            )
        for case in tally.failures[:MAX_FAILURES_LISTED]:
            where = f" [{case.file}{':' + str(case.line) if case.line else ''}]" if case.file else ""
            owner = f"{case.classname or case.suite}." if (case.classname or case.suite) else ""
            entry = tally.quarantine_entry(case)
            mark = " (quarantined)" if entry else ""
            lines.append(f"  {case.status.value.upper()}{mark} {_line(owner + case.name)}{where}")
            if case.message:
                lines.append(f"      {_line(case.message)}")
            if entry:
                by = f", owner {entry.owner}" if entry.owner else ""
                lines.append(f"      quarantined: {_line(entry.reason)}{by}")
        if tally.failed_or_errored > MAX_FAILURES_LISTED:
            lines.append(f"  ... and {tally.failed_or_errored - MAX_FAILURES_LISTED} more")
    if tally.slowest:
        lines.append("Slowest tests:")
        for case in tally.slowest[:5]:
            lines.append(f"  {case.duration or 0:9.3f}s  {_line(case.name)}")
    if run_url:
        lines.append(f"Run in the hub: {run_url}")
    return "\n".join(lines)


def _line(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_LINE else text[: MAX_LINE - 3] + "..."
