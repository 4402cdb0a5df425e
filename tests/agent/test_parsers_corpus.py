"""Every real report in the shared corpus parses, or fails with the reason it is known to be broken for;
and over the JUnit corpus our case counts per status agree with junitparser's (a second opinion)."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import jsonschema
import pytest

from agent.document import case_to_json, load_schema
from agent.model import ReportParseError
from agent.parsers import read_coverage, read_report

CORPUS = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpus"  # beside the repository
JUNIT = CORPUS / "junit"
COVERAGE = CORPUS / "coverage"

# Files that are broken on purpose (see the corpus's SOURCES.md), with the error each must produce.
_SUREFIRE = "apache-maven-surefire/fixture/testsuitexmlparser"
_MIKEPENZ = "mikepenz-action-junit-report"
KNOWN_BAD = {
    f"{_SUREFIRE}/failsafe-summary.xml": r"root element is <failsafe-summary>",
    f"{_SUREFIRE}/failsafe-summary-old.xml": r"root element is <failsafe-summary>",
    f"{_MIKEPENZ}/corrupt-junit/e2e-tests/corrupt/target/sf-reports/TEST-test.CorruptTest.xml": (
        r":18:\d+: a CDATA section is never closed"
    ),
    # Upstream uses these as templates: time="<<computed>>" is a raw '<' in an attribute.
    f"{_MIKEPENZ}/junit-web-test/expected.xml": r":9:59: not well-formed XML \(invalid token\)",
    f"{_MIKEPENZ}/junit-web-test/expectedRetries.xml": r":9:59: not well-formed XML \(invalid token\)",
}


def corpus_files(root: Path, *patterns: str) -> list:
    if not root.is_dir():
        return [pytest.param(None, marks=pytest.mark.skip(reason=f"the shared corpus is not at {root}"))]
    files = sorted({p for pattern in patterns for p in root.rglob(pattern)})
    return [pytest.param(p, id=str(p.relative_to(root))) for p in files]


@pytest.fixture(scope="module")
def case_schema():
    schema = load_schema()
    return jsonschema.Draft202012Validator({**schema["$defs"]["case"], "$defs": schema["$defs"]})


@pytest.mark.parametrize("path", corpus_files(JUNIT, "*.xml"))
def test_every_corpus_report_parses_or_fails_for_its_known_reason(path: Path, case_schema) -> None:
    relative = str(path.relative_to(JUNIT))
    if relative in KNOWN_BAD:
        with pytest.raises(ReportParseError) as caught:
            list(read_report(path))
        assert re.search(KNOWN_BAD[relative], str(caught.value)), str(caught.value)
        return

    reader = read_report(path)
    cases = list(reader)

    assert reader.format == "junit"
    for case in cases:
        case_schema.validate(case_to_json(case))


def test_every_known_bad_file_is_in_the_corpus(corpus: Path) -> None:
    assert [name for name in KNOWN_BAD if not (corpus / "junit" / name).is_file()] == []


@pytest.mark.parametrize("path", corpus_files(COVERAGE, "*.xml", "*.info"))
def test_every_corpus_coverage_report_parses(path: Path) -> None:
    coverage = read_coverage(path)

    assert coverage.lines_covered <= coverage.lines_valid
    assert coverage.branches_covered <= coverage.branches_valid
    assert coverage.lines_valid == sum(f.lines_valid for f in coverage.files) or not any(
        f.lines_valid for f in coverage.files
    )


# -- differential test against junitparser --------------------------------------------------------------
#
# junitparser reads <failure>, <error> and <skipped> and drops Surefire's attempt elements (flakyFailure,
# flakyError, rerunFailure, rerunError). The allowance: a case with flaky elements is a pass for both of
# us (the attempts are extra information we keep); a case with rerun elements is a failure for both, but
# junitparser reports the first run's element (<failure> or <error>) where we report the last rerun's, so
# for those cases only "failed or error" is compared. A case junitparser sees without a result but with a
# status attribute of disabled/notrun (CTest) is skipped for us; that is folded in the same way.

_ATTEMPTS = ("rerunFailure", "rerunError")


def _junitparser_statuses(path: Path) -> Counter:
    junitparser = pytest.importorskip("junitparser")
    try:
        document = junitparser.JUnitXml.fromfile(str(path))
    except Exception as exc:  # any failure means "junitparser cannot read it"
        pytest.skip(f"junitparser cannot read it: {exc}")
    counts: Counter = Counter()
    for element in document._elem.iter("testcase"):
        results = junitparser.TestCase.fromelem(element).result
        final = [r for r in results if isinstance(r, junitparser.Failure | junitparser.Error)]
        if final:
            status = "failed" if isinstance(final[0], junitparser.Failure) else "error"
            if any(element.find(tag) is not None for tag in _ATTEMPTS):
                status = "failed-or-error"
        elif (
            any(isinstance(r, junitparser.Skipped) for r in results)
            or element.find("disabled") is not None
            or (element.get("status") or "") in ("disabled", "notrun", "skipped", "ignored")
        ):
            status = "skipped"
        else:
            status = "passed"
        counts[status] += 1
    return counts


def _our_statuses(path: Path) -> Counter:
    counts: Counter = Counter()
    for case in read_report(path):
        status = case.status.value
        if case.status.is_failure and any(r.status.is_failure for r in case.reruns):
            status = "failed-or-error"
        counts[status] += 1
    return counts


@pytest.mark.parametrize("path", corpus_files(JUNIT, "*.xml"))
def test_our_status_counts_agree_with_junitparser(path: Path) -> None:
    if str(path.relative_to(JUNIT)) in KNOWN_BAD:
        pytest.skip("broken on purpose")

    assert _our_statuses(path) == _junitparser_statuses(path)
