"""Declared totals: every file that declares them agrees with its cases, or the disagreement is a known,
documented one (docs/report-format.md, "Declared totals"); and each format's header is read by its own
definitions."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from agent.model import ReportParseError, Status
from agent.parsers import REPORT_FORMATS, read_report
from agent.parsers.totals import disagreement
from tests.golden.regenerate import GOLDEN, inputs

CORPUS = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpus" / "junit"

# The documented reasons a file's cases may not add up to its header (docs/report-format.md).
ATTEMPTS = "a test listed once per attempt, or its last attempt deciding; the header counts it once"
SEVERAL_RESULTS = "a case with several <failure>/<error> elements, which the header counts one by one"
WRITER_COUNTS = "the writer counts some cases outside its own columns"
SAMPLE_HEADER = "the header does not describe the cases under it (a trimmed or hand-made sample upstream)"

_MIKEPENZ = "mikepenz-action-junit-report"
KNOWN = {
    "apache-maven-surefire/fixture/testsuitexmlparser/TEST-org.acme.FlakyTest.xml": SAMPLE_HEADER,
    "dorny-test-reporter/nette-tester/tester-v1.7-report.xml": WRITER_COUNTS,  # failures as errors
    "dorny-test-reporter/python-xunit-pytest.xml": WRITER_COUNTS,  # pytest-subtests counts each subtest
    "dorny-test-reporter/test-errors/jest/jest-test-results.xml": WRITER_COUNTS,  # suite errors outside tests
    "gotestsum/junitxml-report-hide-skipped-tests.golden.xml": WRITER_COUNTS,  # a package's TestMain
    "gotestsum/junitxml-report-skip-empty.golden.xml": WRITER_COUNTS,
    "gotestsum/junitxml-report.golden.xml": WRITER_COUNTS,
    f"{_MIKEPENZ}/container-structure/test.xml": SAMPLE_HEADER,
    f"{_MIKEPENZ}/flaky_retries/flaky_with_classname_file.xml": SAMPLE_HEADER,
    f"{_MIKEPENZ}/junit-server-test/report.xml": ATTEMPTS,
    f"{_MIKEPENZ}/mocha/mocha.xml": SAMPLE_HEADER,
    f"{_MIKEPENZ}/multiple/test_10.xml": SAMPLE_HEADER,
    f"{_MIKEPENZ}/multiple/test_11.xml": SAMPLE_HEADER,
    f"{_MIKEPENZ}/multiple/test_12.xml": SAMPLE_HEADER,
    f"{_MIKEPENZ}/multiple_failures/test_multiple_errors.xml": SEVERAL_RESULTS,
    f"{_MIKEPENZ}/multiple_failures/test_multiple_failures.xml": SEVERAL_RESULTS,
    f"{_MIKEPENZ}/nested/junit.xml": SAMPLE_HEADER,
    f"{_MIKEPENZ}/nested/multi-level.xml": SAMPLE_HEADER,
    f"{_MIKEPENZ}/python/report_flaky.xml": SAMPLE_HEADER,
    "weiwei-junitparser/no_fails.xml": SAMPLE_HEADER,
    "golden/junit/gradle.xml": ATTEMPTS,
    "golden/junit/surefire-flaky.xml": ATTEMPTS,
}


def _reports() -> list:
    files = [(f"golden/{p.relative_to(GOLDEN)}", p) for p in inputs() if p.parent.name in REPORT_FORMATS]
    if CORPUS.is_dir():
        files += [(str(p.relative_to(CORPUS)), p) for p in sorted(CORPUS.rglob("*.xml"))]
    return [pytest.param(path, id=name) for name, path in files]


def _disagreement(path: Path) -> tuple[dict | None, str | None]:
    reader = read_report(path)
    counts = Counter(case.status for case in reader)
    return reader.declared, disagreement(str(path), reader.declared, counts)


@pytest.mark.parametrize("path", _reports())
def test_every_file_agrees_with_its_declared_totals_or_is_a_known_disagreement(path: Path, request) -> None:
    name = request.node.callspec.id
    try:
        _, line = _disagreement(path)
    except ReportParseError:
        pytest.skip("not readable (the corpus test pins why)")
    if name in KNOWN:
        assert line is not None, f"{name} agrees now: drop it from KNOWN"
    else:
        assert line is None


def test_the_corpus_has_files_that_declare_totals_and_agree(corpus: Path) -> None:
    agreeing = [
        p for p in (corpus / "junit").rglob("*.xml") if str(p.relative_to(corpus / "junit")) not in KNOWN
    ]
    declaring = []
    for path in agreeing:
        try:
            declared, _ = _disagreement(path)
        except ReportParseError:
            continue
        if declared:
            declaring.append(path)
    assert len(declaring) > 80


def test_the_warning_names_the_file_and_both_counts() -> None:
    line = disagreement(
        "out/TEST-a.xml",
        {"tests": 3, "failures": 1, "skipped": 0},
        {Status.PASSED: 1, Status.FAILED: 2},
    )

    assert line == (
        "warning: out/TEST-a.xml declares tests=3 failures=1 skipped=0 "
        "but its cases add up to tests=3 failures=2 skipped=0"
    )


def test_there_is_no_warning_when_nothing_is_declared() -> None:
    assert disagreement("a.xml", None, {Status.FAILED: 2}) is None
    assert disagreement("a.xml", {}, {Status.FAILED: 2}) is None


# -- each format's header, read by its own definitions ----------------------------------------------------


HEADERS = {
    "junit: the root's counts win": (
        '<testsuites tests="2" failures="1"><testsuite name="a" tests="5">'
        '<testcase name="x"/><testcase name="y"><failure/></testcase></testsuite></testsuites>',
        {"tests": 2, "failures": 1},
    ),
    "junit: the outermost suites are summed, nested ones not counted twice": (
        '<testsuites><testsuite name="a" tests="2" failures="1"><testsuite name="a.b" tests="2" failures="1">'
        '<testcase name="x"/><testcase name="y"><failure/></testcase></testsuite></testsuite>'
        '<testsuite name="c" tests="1" failures="0"><testcase name="z"/></testsuite></testsuites>',
        {"tests": 3, "failures": 1},
    ),
    "junit: a count only when every suite gives it": (
        '<testsuites><testsuite name="a" tests="1" skipped="0"><testcase name="x"/></testsuite>'
        '<testsuite name="b" tests="1"><testcase name="y"/></testsuite></testsuites>',
        {"tests": 2},
    ),
    "junit: disabled tests are skipped": (
        '<testsuite name="ctest" tests="2" failures="0" disabled="1" skipped="0">'
        '<testcase name="a" status="disabled"/><testcase name="b"/></testsuite>',
        {"tests": 2, "failures": 0, "skipped": 1},
    ),
    "nunit2: without an errors count, failures hold both": (
        '<test-results total="1" failures="1" not-run="0"><test-case name="N.C.a" result="Error"/>'
        "</test-results>",
        {"tests": 1, "failed": 1, "skipped": 0},
    ),
    "nunit3: warnings are passes, errors are among failed": (
        '<test-run total="3" passed="1" failed="1" warnings="1" inconclusive="0" skipped="0">'
        '<test-case name="a" result="Passed"/><test-case name="b" result="Warning"/>'
        '<test-case name="c" result="Failed" label="Error"/></test-run>',
        {"tests": 3, "passed": 2, "failed": 1, "skipped": 0},
    ),
    "xunit: assemblies are summed and their errors are cases": (
        '<assemblies><assembly name="a.dll" total="1" passed="1" failed="0" skipped="0" errors="1">'
        '<errors><error type="fixture-cleanup" name="C"><failure/></error></errors>'
        '<collection name="c"><test name="C.t" result="Pass"/></collection></assembly>'
        '<assembly name="b.dll" total="1" passed="0" failed="1" skipped="0" errors="0">'
        '<collection name="d"><test name="D.t" result="Fail"/></collection></assembly></assemblies>',
        {"tests": 3, "passed": 1, "failures": 1, "errors": 1, "skipped": 0},
    ),
    "trx: every outcome's counter": (
        '<TestRun><Results><UnitTestResult testName="N.C.a" outcome="Timeout"/></Results><ResultSummary>'
        '<Counters total="1" passed="0" failed="0" error="0" timeout="1" notExecuted="0"/></ResultSummary>'
        "</TestRun>",
        {"tests": 1, "passed": 0, "failures": 0, "errors": 1, "skipped": 0},
    ),
    "a report without totals declares nothing": (
        '<testsuites><testsuite name="a"><testcase name="x"/></testsuite></testsuites>',
        None,
    ),
}


@pytest.mark.parametrize(("content", "expected"), HEADERS.values(), ids=HEADERS.keys())
def test_each_formats_header_is_read_by_its_own_definitions(report_file, content, expected) -> None:
    assert _disagreement(report_file(content)) == (expected, None)


def test_nunit2_counts_invalid_cases_as_errors_and_inconclusive_ones_as_skipped(report_file) -> None:
    xml = (
        '<test-results total="4" errors="0" failures="0" not-run="2" inconclusive="1" ignored="1" '
        'invalid="1"><test-case name="N.C.a" executed="False" result="NotRunnable"/>'
        '<test-case name="N.C.b" executed="False" result="Ignored"/>'
        '<test-case name="N.C.c" executed="True" result="Inconclusive"/>'
        '<test-case name="N.C.d" executed="True" result="Success"/></test-results>'
    )

    assert _disagreement(report_file(xml)) == ({"tests": 4, "failures": 0, "errors": 1, "skipped": 2}, None)


def test_mocha_json_compares_failing_hooks_among_failures(report_file) -> None:
    document = (
        '{"stats": {"suites": 1, "tests": 1, "passes": 1, "pending": 0, "failures": 1},'
        ' "tests": [{"title": "t", "fullTitle": "S t", "err": {}}],'
        ' "failures": [{"title": "\\"before all\\" hook", "fullTitle": "S \\"before all\\" hook",'
        ' "err": {"message": "boom"}}], "passes": [], "pending": []}'
    )
    path = report_file(document, "mocha.json")

    assert [case.status for case in read_report(path)] == [Status.PASSED, Status.ERROR]
    assert _disagreement(path) == ({"passed": 1, "failed": 1, "skipped": 0}, None)
