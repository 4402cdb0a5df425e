"""GitHub Actions output: workflow-command escaping, bounded annotations, outputs and the summary cap."""

from __future__ import annotations

from pathlib import Path

from agent.commands.tally import Tally
from agent.github_output import (
    MAX_SUMMARY_BYTES,
    annotations,
    append_summary,
    command,
    escape_data,
    escape_property,
    markdown_summary,
    mask,
    outputs_text,
    write_outputs,
)
from agent.model import Rerun, Status, TestCase
from agent.upload import FileResult


def failed(name: str, **fields) -> TestCase:
    return TestCase(name=name, status=fields.pop("status", Status.FAILED), **fields)


def tally_of(*cases: TestCase) -> Tally:
    tally = Tally()
    for case in cases:
        tally.add(case)
    return tally


def test_data_escapes_percent_and_line_breaks() -> None:
    assert escape_data("100%\r\ndone") == "100%25%0D%0Adone"


def test_properties_also_escape_colon_and_comma() -> None:
    assert escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"


def test_a_command_puts_escaped_properties_before_the_message() -> None:
    line = command("error", "line 1\nline 2", file="src/a,b.py", line=12, title="T: x")
    assert line == "::error file=src/a%2Cb.py,line=12,title=T%3A x::line 1%0Aline 2"


def test_the_mask_command_carries_the_secret() -> None:
    assert mask("orch_a_abc") == "::add-mask::orch_a_abc"


def test_it_annotates_a_failed_test_with_its_file_line_and_title() -> None:
    tally = tally_of(
        failed("test_x", classname="pkg.T", file="tests/t.py", line=4, message="expected 1\ngot 2")
    )
    assert annotations(tally) == ["::error file=tests/t.py,line=4,title=pkg.T.test_x::expected 1%0Agot 2"]


def test_it_does_not_annotate_failures_without_a_file_or_passing_tests() -> None:
    tally = tally_of(failed("no_file"), TestCase(name="ok", status=Status.PASSED, file="t.py", line=1))
    assert annotations(tally) == []


def test_it_puts_failures_with_a_line_first_and_stops_at_fifty() -> None:
    without_line = [failed(f"nl{i}", file="t.py") for i in range(30)]
    with_line = [failed(f"wl{i}", file="t.py", line=i + 1, status=Status.ERROR) for i in range(40)]
    lines = annotations(tally_of(*without_line, *with_line))
    assert len(lines) == 50
    assert all(",line=" in line for line in lines[:40])
    assert all(",line=" not in line for line in lines[40:])


def test_outputs_use_a_heredoc_for_multi_line_values() -> None:
    text = outputs_text({"tests": "3", "note": "a\nb"})
    lines = text.splitlines()
    assert lines[0] == "tests=3"
    assert lines[1].startswith("note<<ghadelimiter_")
    delimiter = lines[1].split("<<")[1]
    assert lines[2:] == ["a", "b", delimiter]


def test_it_writes_every_documented_output(tmp_path: Path) -> None:
    path = tmp_path / "output"
    tally = tally_of(
        TestCase(name="p", status=Status.PASSED),
        TestCase(name="f", status=Status.PASSED, reruns=(Rerun(status=Status.FAILED),)),
        failed("x"),
        failed("e", status=Status.ERROR),
        TestCase(name="s", status=Status.SKIPPED),
    )
    write_outputs(path, tally, "http://hub/runs/1")
    values = dict(line.split("=", 1) for line in path.read_text().splitlines())
    assert values == {
        "tests": "5",
        "passed": "2",
        "failed": "1",
        "errors": "1",
        "skipped": "1",
        "flaky": "1",
        "report-url": "http://hub/runs/1",
    }


def test_the_summary_shows_counts_failures_slowest_parse_errors_and_the_run_link() -> None:
    tally = tally_of(
        TestCase(name="slow", status=Status.PASSED, duration=9.5),
        failed("boom", classname="pkg.T", message="kaboom", file="t.py", line=2),
    )
    files = [
        FileResult(path="a.xml", format="junit", tests=2),
        FileResult(path="b.xml", error="b.xml:1: not XML"),
    ]
    text = markdown_summary(tally, files, "http://hub/runs/7")
    assert "| 2 | 1 | 1 | 0 | 0 | 0 | 1 | 1 |" in text
    assert "<details><summary>failed: <code>pkg.T.boom</code> (t.py:2)</summary>" in text
    assert "kaboom" in text
    assert "b.xml:1: not XML" in text
    assert "| slow | 9.500 |" in text
    assert "(http://hub/runs/7)" in text


def test_the_summary_escapes_html_and_table_pipes_in_test_output() -> None:
    tally = tally_of(failed("a|b <script>", message="</pre><img src=x>", duration=1.0))
    text = markdown_summary(tally, [], None)
    assert "<script>" not in text
    assert "</pre><img" not in text
    assert "a&#124;b &lt;script&gt;" in text


def test_a_huge_report_keeps_the_summary_under_one_mebibyte(tmp_path: Path) -> None:
    long_message = "x" * 4000
    tally = tally_of(*(failed(f"test_{i}", message=long_message, trace="t" * 16000) for i in range(5000)))
    path = tmp_path / "summary.md"
    append_summary(path, tally, [FileResult(path="big.xml", format="junit", tests=5000)], "http://hub/runs/1")
    text = path.read_text()
    assert len(text.encode()) < MAX_SUMMARY_BYTES
    assert "| 5000 | 0 | 5000 |" in text
    assert "more failed tests are not shown here" in text


def test_the_summary_fits_in_what_earlier_steps_left_in_the_file(tmp_path: Path) -> None:
    path = tmp_path / "summary.md"
    path.write_text("y" * (MAX_SUMMARY_BYTES - 200_000))
    tally = tally_of(*(failed(f"test_{i}", message="m" * 4000) for i in range(300)))
    append_summary(path, tally, [], None)
    assert path.stat().st_size < MAX_SUMMARY_BYTES
