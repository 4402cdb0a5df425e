"""NUnit, xUnit.net, TRX, Mocha JSON and Dart JSON: the rules beyond what the golden files show."""

from __future__ import annotations

from agent.model import Status
from agent.parsers import read_report


def test_nunit3_counts_a_failure_labelled_error_as_an_error(report_file) -> None:
    path = report_file(
        '<test-run><test-suite type="TestFixture" name="F">'
        '<test-case name="a" classname="N.F" result="Failed" label="Error"/>'
        '<test-case name="b" classname="N.F" result="Failed"/>'
        '<test-case name="c" classname="N.F" result="Failed" label="Cancelled"/>'
        "</test-suite></test-run>"
    )

    assert [c.status for c in read_report(path)] == [Status.ERROR, Status.FAILED, Status.ERROR]


def test_nunit3_counts_warnings_as_passes_and_inconclusive_as_skipped(report_file) -> None:
    path = report_file(
        '<test-run><test-case name="w" result="Warning"/>'
        '<test-case name="i" result="Inconclusive"/></test-run>'
    )

    assert [c.status for c in read_report(path)] == [Status.PASSED, Status.SKIPPED]


def test_nunit2_takes_the_class_from_the_full_name_even_with_dots_in_arguments(report_file) -> None:
    path = report_file(
        '<test-results><test-case name="N.C.M(&quot;a.b&quot;)" result="Success"/></test-results>'
    )

    [case] = read_report(path)

    assert (case.classname, case.name) == ("N.C", 'M("a.b")')


def test_xunit_turns_an_assembly_error_into_an_error_case(report_file) -> None:
    path = report_file(
        '<assemblies><assembly name="t.dll"><errors><error type="fixture-cleanup" name="N.C">'
        '<failure exception-type="E"><message>boom</message></failure></error></errors>'
        "</assembly></assemblies>"
    )

    [case] = read_report(path)

    assert (case.status, case.name, case.message) == (Status.ERROR, "[fixture-cleanup] N.C", "boom")


def test_trx_reports_each_data_row_and_not_their_parent(report_file) -> None:
    path = report_file(
        '<TestRun xmlns="http://microsoft.com/schemas/VisualStudio/TeamTest/2010"><Results>'
        '<UnitTestResult testId="1" testName="T" outcome="Failed"><InnerResults>'
        '<UnitTestResult testId="1" testName="T (1)" outcome="Passed"/>'
        '<UnitTestResult testId="1" testName="T (2)" outcome="Failed"/>'
        "</InnerResults></UnitTestResult></Results><TestDefinitions>"
        '<UnitTest id="1" storage="t.dll"><TestMethod className="N.C" name="T"/></UnitTest>'
        "</TestDefinitions></TestRun>"
    )

    assert [(c.classname, c.name, c.status) for c in read_report(path)] == [
        ("N.C", "T (1)", Status.PASSED),
        ("N.C", "T (2)", Status.FAILED),
    ]


def test_trx_reads_durations_as_time_spans(report_file) -> None:
    path = report_file(
        '<TestRun><Results><UnitTestResult testName="N.C.T" duration="00:01:02.5000000"'
        ' outcome="Passed"/></Results></TestRun>'
    )

    [case] = read_report(path)

    assert (case.classname, case.name, case.duration) == ("N.C", "T", 62.5)


def test_mocha_json_reads_durations_in_milliseconds(report_file) -> None:
    path = report_file(
        '{"stats": {}, "tests": [{"title": "t", "fullTitle": "S t", "duration": 250, "err": {}}]}'
    )

    [case] = read_report(path)

    assert (case.classname, case.name, case.duration) == ("S", "t", 0.25)


def test_dart_json_drops_hidden_loading_tests(report_file) -> None:
    lines = [
        '{"protocolVersion":"0.1.1","type":"start","time":0}',
        '{"test":{"id":1,"name":"loading t.dart","suiteID":0,"groupIDs":[]},"type":"testStart","time":1}',
        '{"testID":1,"result":"success","hidden":true,"type":"testDone","time":2}',
        '{"success":true,"type":"done","time":3}',
    ]

    assert list(read_report(report_file("\n".join(lines), "d.json"))) == []


def test_dart_json_keeps_a_failed_load_as_an_error(report_file) -> None:
    lines = [
        '{"protocolVersion":"0.1.1","type":"start","time":0}',
        '{"test":{"id":1,"name":"loading t.dart","suiteID":0,"groupIDs":[]},"type":"testStart","time":1}',
        '{"testID":1,"error":"Failed to load","stackTrace":"","isFailure":false,"type":"error","time":2}',
        '{"testID":1,"result":"error","hidden":false,"type":"testDone","time":2}',
        '{"success":false,"type":"done","time":3}',
    ]

    [case] = read_report(report_file("\n".join(lines), "d.json"))

    assert (case.name, case.status, case.message) == ("loading t.dart", Status.ERROR, "Failed to load")
