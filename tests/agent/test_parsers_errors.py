"""Bad input is a value: every unreadable file becomes a ReportParseError naming the file and the reason."""

from __future__ import annotations

import pytest

from agent.model import ReportParseError
from agent.parsers import read_coverage, read_report


def error_reading(path) -> ReportParseError:
    with pytest.raises(ReportParseError) as caught:
        list(read_report(path))
    return caught.value


def test_an_empty_file_is_an_error_at_once(report_file) -> None:
    path = report_file("")

    with pytest.raises(ReportParseError, match="is empty") as caught:
        read_report(path)

    assert caught.value.error.path == str(path)


def test_a_whitespace_file_is_an_error_at_once(report_file) -> None:
    with pytest.raises(ReportParseError, match="only whitespace"):
        read_report(report_file("\n\n  \n"))


def test_a_missing_file_is_an_error_at_once(tmp_path) -> None:
    with pytest.raises(ReportParseError, match="cannot be read"):
        read_report(tmp_path / "nope.xml")


def test_a_directory_is_an_error_at_once(tmp_path) -> None:
    with pytest.raises(ReportParseError, match="is a directory"):
        read_report(tmp_path)


def test_a_text_file_is_not_a_report(report_file) -> None:
    with pytest.raises(ReportParseError, match="is not a test report"):
        read_report(report_file("PASS tests/foo.js\n"))


def test_xml_of_another_kind_names_its_root_element(report_file) -> None:
    path = report_file('<?xml version="1.0"?>\n<project><modelVersion>4.0.0</modelVersion></project>')

    with pytest.raises(ReportParseError, match="the root element is <project>") as caught:
        read_report(path)

    assert caught.value.error.line == 1


def test_a_coverage_file_given_as_a_test_report_says_so(report_file) -> None:
    with pytest.raises(ReportParseError, match="is a coverage report"):
        read_report(report_file('<coverage line-rate="1"><packages/></coverage>'))


def test_a_test_report_given_as_coverage_says_so(report_file) -> None:
    with pytest.raises(ReportParseError, match="is a test report"):
        read_coverage(report_file("<testsuites/>"))


def test_a_raw_ampersand_is_reported_with_line_and_column(report_file) -> None:
    error = error_reading(report_file('<testsuites>\n<testsuite name="a & b"/>\n</testsuites>')).error

    assert (error.line, error.column) == (2, 21)
    assert "'&'" in error.message


def test_mismatched_tags_are_reported(report_file) -> None:
    error = error_reading(report_file("<testsuites><testsuite></testsuites>")).error

    assert "end tag" in error.message


def test_the_error_reads_as_path_line_column_message(report_file) -> None:
    path = report_file("<testsuites>\n<testsuite>")

    assert str(error_reading(path)).startswith(f"{path}:2:")


def test_json_that_is_neither_mocha_nor_dart_is_an_error(report_file) -> None:
    with pytest.raises(ReportParseError, match="neither Mocha"):
        read_report(report_file('{"hello": "world"}', "x.json"))


def test_broken_mocha_json_names_line_and_column(report_file) -> None:
    path = report_file('{\n  "stats": {"suites": 1},\n  "tests": [\n', "m.json")

    error = error_reading(path).error

    assert error.line == 4
    assert "not valid JSON" in error.message


def test_a_dart_stream_that_stops_early_is_an_error_after_its_finished_tests(report_file) -> None:
    lines = [
        '{"protocolVersion":"0.1.1","type":"start","time":0}',
        '{"suite":{"id":0,"path":"t.dart"},"type":"suite","time":0}',
        '{"test":{"id":1,"name":"a","suiteID":0,"groupIDs":[]},"type":"testStart","time":1}',
        '{"testID":1,"result":"success","hidden":false,"type":"testDone","time":2}',
        '{"test":{"id":2,"name":"b","suiteID":0,"groupIDs":[]},"type":"testStart","time":3}',
    ]
    seen = []

    with pytest.raises(ReportParseError, match="stops early"):
        seen.extend(c.name for c in read_report(report_file("\n".join(lines), "d.json")))

    assert seen == ["a"]


def test_a_malformed_lcov_line_names_its_line(report_file) -> None:
    with pytest.raises(ReportParseError, match="malformed DA line") as caught:
        read_coverage(report_file("TN:\nSF:a.c\nDA:oops\nend_of_record\n", "x.info"))

    assert caught.value.error.line == 3
