"""A case with a failure or error child is never reported as passed, whatever its attributes say or omit
(issue 11: "A failure is never reported as a pass")."""

from __future__ import annotations

import pytest

from agent.model import Status
from agent.parsers import read_report

# Each: a report holding one case with a failure or error child, and the status it must have.
CASES = {
    "nunit2 without result, success or executed": (
        '<test-results total="1" failures="1" not-run="0"><test-suite type="TestFixture" name="F"><results>'
        '<test-case name="N.F.t"><failure><message>Expected: 1</message></failure></test-case>'
        "</results></test-suite></test-results>",
        Status.FAILED,
    ),
    "nunit2 saying success": (
        '<test-results><test-case name="N.F.t" result="Success" success="True" executed="True"><failure/>'
        "</test-case></test-results>",
        Status.FAILED,
    ),
    "nunit2 saying not executed": (
        '<test-results><test-case name="N.F.t" executed="False"><failure/></test-case></test-results>',
        Status.FAILED,
    ),
    "nunit2 saying ignored": (
        '<test-results><test-case name="N.F.t" result="Ignored"><failure/></test-case></test-results>',
        Status.FAILED,
    ),
    "nunit2 saying error stays an error": (
        '<test-results><test-case name="N.F.t" result="Error"><failure/></test-case></test-results>',
        Status.ERROR,
    ),
    "nunit3 saying passed": (
        '<test-run><test-case name="t" result="Passed"><failure/></test-case></test-run>',
        Status.FAILED,
    ),
    "nunit3 without a result": (
        '<test-run><test-case name="t"><failure/></test-case></test-run>',
        Status.FAILED,
    ),
    "nunit3 saying skipped": (
        '<test-run><test-case name="t" result="Skipped"><failure/></test-case></test-run>',
        Status.FAILED,
    ),
    "xunit saying pass": (
        '<assemblies><assembly name="a.dll"><collection name="c"><test name="C.t" result="Pass">'
        '<failure exception-type="E"/></test></collection></assembly></assemblies>',
        Status.FAILED,
    ),
    "xunit saying skip": (
        '<assemblies><assembly name="a.dll"><collection name="c"><test name="C.t" result="Skip">'
        '<failure exception-type="E"/></test></collection></assembly></assemblies>',
        Status.FAILED,
    ),
    "junit with a passing status attribute": (
        '<testsuite name="s"><testcase name="t" status="run"><failure message="m"/></testcase></testsuite>',
        Status.FAILED,
    ),
    "junit with a disabled status attribute": (
        '<testsuite name="s"><testcase name="t" status="disabled"><failure/></testcase></testsuite>',
        Status.FAILED,
    ),
    "junit with a skip as well": (
        '<testsuite name="s"><testcase name="t"><skipped/><error message="m"/></testcase></testsuite>',
        Status.ERROR,
    ),
}


@pytest.mark.parametrize(("content", "expected"), CASES.values(), ids=CASES.keys())
def test_a_case_with_a_failure_child_is_never_passed(report_file, content, expected) -> None:
    assert [case.status for case in read_report(report_file(content))] == [expected]


def test_junit_takes_the_last_rerun_as_final_even_without_the_first_runs_failure(report_file) -> None:
    xml = (
        '<testsuite name="s"><testcase name="t"><rerunFailure message="first"/><rerunError message="last"/>'
        "</testcase></testsuite>"
    )

    [case] = read_report(report_file(xml))

    assert (case.status, case.message) == (Status.ERROR, "last")
    assert [(r.status, r.message) for r in case.reruns] == [(Status.FAILED, "first")]


def test_trx_counts_a_result_without_an_outcome_as_an_error(report_file) -> None:
    xml = '<TestRun><Results><UnitTestResult testName="N.C.t"/></Results></TestRun>'

    assert [case.status for case in read_report(report_file(xml))] == [Status.ERROR]
