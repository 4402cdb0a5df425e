"""A case with a failure or error child is never reported as passed, whatever its attributes say or omit
(issue 11: "A failure is never reported as a pass")."""

from __future__ import annotations

import pytest

from agent.model import Status
from agent.parsers import read_report


def statuses(report_file, xml: str) -> list[Status]:
    return [case.status for case in read_report(report_file(xml))]


def test_nunit2_fails_a_case_with_a_failure_and_no_outcome_attributes(report_file) -> None:
    xml = (
        '<test-results total="1" failures="1" not-run="0"><test-suite type="TestFixture" name="F"><results>'
        '<test-case name="N.F.t"><failure><message>Expected: 1</message></failure></test-case>'
        "</results></test-suite></test-results>"
    )

    assert statuses(report_file, xml) == [Status.FAILED]


@pytest.mark.parametrize(
    "attributes",
    ['result="Success" success="True" executed="True"', 'executed="False"', 'result="Ignored"'],
)
def test_nunit2_fails_a_case_with_a_failure_whatever_its_attributes_say(report_file, attributes) -> None:
    xml = f'<test-results><test-case name="N.F.t" {attributes}><failure/></test-case></test-results>'

    assert statuses(report_file, xml) == [Status.FAILED]


def test_nunit2_keeps_an_error_an_error(report_file) -> None:
    xml = '<test-results><test-case name="N.F.t" result="Error"><failure/></test-case></test-results>'

    assert statuses(report_file, xml) == [Status.ERROR]


@pytest.mark.parametrize("attributes", ['result="Passed"', "", 'result="Skipped"'])
def test_nunit3_fails_a_case_with_a_failure_whatever_its_attributes_say(report_file, attributes) -> None:
    xml = f'<test-run><test-case name="t" {attributes}><failure><message>m</message></failure></test-case>'
    xml += "</test-run>"

    assert statuses(report_file, xml) == [Status.FAILED]


@pytest.mark.parametrize("result", ["Pass", "Skip"])
def test_xunit_fails_a_test_with_a_failure_whatever_its_result_says(report_file, result) -> None:
    xml = (
        f'<assemblies><assembly name="a.dll"><collection name="c"><test name="C.t" result="{result}">'
        '<failure exception-type="E"><message>m</message></failure></test>'
        "</collection></assembly></assemblies>"
    )

    assert statuses(report_file, xml) == [Status.FAILED]


@pytest.mark.parametrize("attribute", ['status="run"', 'status="disabled"', 'status="passed"'])
def test_junit_fails_a_case_with_a_failure_whatever_its_status_attribute_says(report_file, attribute) -> None:
    xml = f'<testsuite name="s"><testcase name="t" {attribute}><failure message="m"/></testcase></testsuite>'

    assert statuses(report_file, xml) == [Status.FAILED]


def test_junit_fails_a_case_with_a_skip_and_an_error(report_file) -> None:
    xml = '<testsuite name="s"><testcase name="t"><skipped/><error message="m"/></testcase></testsuite>'

    assert statuses(report_file, xml) == [Status.ERROR]


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

    assert statuses(report_file, xml) == [Status.ERROR]
