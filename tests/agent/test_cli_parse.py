"""``orchestrate parse``: local parsing with a human summary or one JSON document."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agent.cli import ExitStatus, main

CORPUS = Path(__file__).parents[2] / ".." / "shared" / "corpus" / "junit"

MIXED = """<?xml version="1.0"?>
<testsuites>
  <testsuite name="s1" tests="4">
    <testcase classname="a.B" name="passes" time="0.1"/>
    <testcase classname="a.B" name="fails"><failure message="no">trace</failure></testcase>
    <testcase classname="a.B" name="errs"><error message="boom"/></testcase>
    <testcase classname="a.B" name="skips"><skipped/></testcase>
  </testsuite>
  <testsuite name="s2" tests="1">
    <testcase classname="a.C" name="disabled"><skipped message="disabled"/></testcase>
  </testsuite>
</testsuites>
"""


@pytest.fixture
def reports(tmp_path: Path) -> Path:
    (tmp_path / "good.xml").write_text(MIXED)
    (tmp_path / "bad.xml").write_text("<testsuite><testcase name='x'>")
    return tmp_path


def parse_json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[ExitStatus, dict]:
    status = main(["parse", "--json", *argv], {})
    return status, json.loads(capsys.readouterr().out)


def test_json_counts_every_case_once_under_its_final_status(reports: Path, capsys) -> None:
    status, document = parse_json(capsys, str(reports / "good.xml"))
    assert status is ExitStatus.OK
    assert document["files"] == [
        {
            "path": str(reports / "good.xml"),
            "format": "junit",
            "error": None,
            "suites": 2,
            "tests": 5,
            "passed": 1,
            "failures": 1,
            "errors": 1,
            "skipped": 2,
            "declared": {"tests": 5},
        }
    ]


def test_json_totals_add_up_the_files_and_count_parse_errors(reports: Path, capsys) -> None:
    status, document = parse_json(capsys, str(reports / "*.xml"))
    assert status is ExitStatus.OK
    assert document["totals"] == {
        "files": 2,
        "suites": 3,  # the malformed file's suite was seen before the damage
        "tests": 5,
        "passed": 1,
        "failures": 1,
        "errors": 1,
        "skipped": 2,
        "parse_errors": 1,
    }
    bad = next(f for f in document["files"] if f["path"].endswith("bad.xml"))
    assert "bad.xml" in bad["error"]


def test_json_output_is_exactly_one_document_even_with_warnings(reports: Path, capsys) -> None:
    main(["parse", "--json", str(reports / "good.xml"), str(reports / "missing-*.xml")], {})
    captured = capsys.readouterr()
    json.loads(captured.out)
    assert "no file matches" in captured.err


def test_text_output_names_each_file_and_the_totals(reports: Path, capsys) -> None:
    main(["parse", str(reports / "*.xml")], {})
    out = capsys.readouterr().out
    assert "good.xml: junit, 2 suites, 5 tests (1 passed, 1 failed, 1 error, 2 skipped)" in out
    assert "ERROR" in out
    assert "bad.xml" in out
    assert out.strip().splitlines()[-1].startswith("Total: 2 files, 3 suites, 5 tests")


def test_text_output_counts_one_thing_in_the_singular(tmp_path: Path, capsys) -> None:
    (tmp_path / "one.xml").write_text(
        '<testsuite name="s"><testcase name="t"><error/></testcase></testsuite>\n'
    )

    main(["parse", str(tmp_path / "one.xml")], {})

    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].endswith(": junit, 1 suite, 1 test (0 passed, 0 failed, 1 error, 0 skipped)")
    assert lines[-1] == "Total: 1 file, 1 suite, 1 test: 0 passed, 0 failed, 1 error, 0 skipped"


def test_it_warns_in_one_line_when_a_files_cases_disagree_with_its_header(tmp_path: Path, capsys) -> None:
    path = tmp_path / "nunit.xml"
    path.write_text(
        '<test-results total="2" errors="0" failures="0" not-run="0">'
        '<test-case name="N.C.a" result="Success"/><test-case name="N.C.b"><failure/></test-case>'
        "</test-results>"
    )

    assert main(["parse", str(path)], {}) is ExitStatus.OK

    assert capsys.readouterr().err.splitlines() == [
        f"warning: {path} declares tests=2 failures=0 errors=0 skipped=0 "
        "but its cases add up to tests=2 failures=1 errors=0 skipped=0"
    ]


def test_it_says_nothing_about_totals_when_they_agree(reports: Path, capsys) -> None:
    main(["parse", str(reports / "good.xml")], {})

    assert capsys.readouterr().err == ""


def test_it_exits_no_reports_when_nothing_matches(tmp_path: Path, capsys) -> None:
    assert main(["parse", str(tmp_path / "*.xml")], {}) is ExitStatus.NO_REPORTS
    assert "no file matched" in capsys.readouterr().err


def test_it_exits_no_reports_when_every_file_fails(reports: Path, capsys) -> None:
    assert main(["parse", str(reports / "bad.xml")], {}) is ExitStatus.NO_REPORTS


def test_it_expands_recursive_globs_and_exclusions(reports: Path, capsys) -> None:
    nested = reports / "deep" / "er"
    nested.mkdir(parents=True)
    (nested / "TEST-x.xml").write_text(MIXED)
    status, document = parse_json(capsys, str(reports / "**" / "*.xml"), "!*bad.xml")
    assert status is ExitStatus.OK
    assert sorted(Path(f["path"]).name for f in document["files"]) == ["TEST-x.xml", "good.xml"]


def test_it_reads_the_surefire_corpus(capsys) -> None:
    if not CORPUS.is_dir():
        pytest.skip(f"the shared corpus is not at {CORPUS.resolve()}")
    status, document = parse_json(capsys, str(CORPUS / "apache-maven-surefire" / "**" / "*.xml"))
    assert status is ExitStatus.OK
    assert document["totals"]["files"] == 17
    assert document["totals"]["tests"] > 0
    # failsafe-summary files are not test reports: listed with an error, the others still read
    assert document["totals"]["parse_errors"] == 2
