"""Formats are recognised from content, never from the file name."""

from __future__ import annotations

import codecs

import pytest

from agent.model import ReportParseError
from agent.parsers import read_report

ROOTS = {
    "junit": "<testsuites/>",
    "nunit2": '<test-results name="x" total="0"/>',
    "nunit3": '<test-run id="0"/>',
    "xunit": "<assemblies/>",
    "trx": '<TestRun xmlns="http://microsoft.com/schemas/VisualStudio/TeamTest/2010"/>',
    "mocha-json": '{\n  "stats": {"suites": 0},\n  "tests": []\n}',
    "dart-json": '{"protocolVersion":"0.1.1","type":"start","time":0}\n{"type":"done","time":1}',
}


@pytest.mark.parametrize(("expected", "content"), ROOTS.items())
def test_it_sniffs_each_format_whatever_the_file_is_called(report_file, expected, content) -> None:
    assert read_report(report_file(content, "results.txt")).format == expected


def test_it_reads_nunit3_whose_root_is_a_test_suite(report_file) -> None:
    content = '<test-suite type="Assembly" name="a.dll"><test-case name="t" result="Passed"/></test-suite>'

    assert read_report(report_file(content)).format == "nunit3"


def test_it_reads_xunit_v1_whose_root_is_an_assembly(report_file) -> None:
    content = '<assembly name="a.dll" test-framework="xUnit.net 1.9.2"><class name="C"/></assembly>'

    assert read_report(report_file(content)).format == "xunit"


def test_it_refuses_an_assembly_root_that_is_not_xunit(report_file) -> None:
    content = '<assembly xmlns="urn:schemas-microsoft-com:asm.v1" manifestVersion="1.0"><assemblyIdentity/>'
    content += "</assembly>"

    with pytest.raises(ReportParseError, match="no test-framework attribute"):
        read_report(report_file(content, "app.manifest"))


def test_it_sees_past_a_declaration_comments_and_a_doctype(report_file) -> None:
    content = '<?xml version="1.0"?>\n<!-- generated -->\n<!DOCTYPE testsuite>\n<?pi x?>\n<testsuite/>'

    assert read_report(report_file(content)).format == "junit"


def test_it_reads_a_utf8_file_with_a_byte_order_mark(report_file) -> None:
    path = report_file(codecs.BOM_UTF8 + b'<testsuite name="s"><testcase name="caf\xc3\xa9"/></testsuite>')

    assert [c.name for c in read_report(path)] == ["café"]


def test_it_reads_a_utf16_file(report_file) -> None:
    content = '<?xml version="1.0" encoding="UTF-16"?><testsuite name="s"><testcase name="ü"/></testsuite>'
    path = report_file(content.encode("utf-16"))

    assert [c.name for c in read_report(path)] == ["ü"]


def test_it_accepts_a_path_object_and_reports_a_string_path(report_file) -> None:
    path = report_file("<testsuites/>")

    assert read_report(path).path == str(path)
