"""Hostile XML: no entity expansion, no external entities, no DTD fetched, and a clear error instead."""

from __future__ import annotations

import pytest

from agent.model import ReportParseError
from agent.parsers import read_coverage, read_report

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<testsuites><testsuite name="s"><testcase name="&lol9;"/></testsuite></testsuites>
"""

XXE = """<?xml version="1.0"?>
<!DOCTYPE testsuites [<!ENTITY secret SYSTEM "file://{target}">]>
<testsuites><testsuite name="s"><testcase name="t"><failure>&secret;</failure></testcase></testsuite>
</testsuites>
"""

PARAMETER_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE testsuites [<!ENTITY % remote SYSTEM "http://127.0.0.1:9/evil.dtd"> %remote;]>
<testsuites/>
"""


def parse_error_of(path) -> ReportParseError:
    with pytest.raises(ReportParseError) as caught:
        list(read_report(path))
    return caught.value


def test_it_rejects_a_billion_laughs_file_with_a_clear_error(report_file) -> None:
    error = parse_error_of(report_file(BILLION_LAUGHS)).error

    assert "declares an entity" in error.message
    assert error.line == 3


def test_it_rejects_an_external_entity_without_reading_the_file_it_names(report_file, tmp_path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    path = report_file(XXE.replace("{target}", str(secret)))
    seen = []

    with pytest.raises(ReportParseError) as caught:
        seen.extend(read_report(path))

    assert "entity" in caught.value.error.message
    assert "TOP-SECRET" not in repr(seen) + str(caught.value)


def test_it_rejects_an_external_parameter_entity(report_file) -> None:
    error = parse_error_of(report_file(PARAMETER_ENTITY)).error

    assert "entity" in error.message


def test_it_does_not_fetch_an_external_dtd(report_file, tmp_path) -> None:
    dtd = tmp_path / "evil.dtd"
    dtd.write_text('<!ENTITY injected "INJECTED">')
    path = report_file(
        f'<?xml version="1.0"?>\n<!DOCTYPE testsuites SYSTEM "file://{dtd}">\n'
        '<testsuites><testsuite name="s"><testcase name="t"/></testsuite></testsuites>'
    )

    assert [c.name for c in read_report(path)] == ["t"]


def test_it_never_expands_an_entity_declared_in_an_external_dtd(report_file, tmp_path) -> None:
    dtd = tmp_path / "evil.dtd"
    dtd.write_text('<!ENTITY injected "INJECTED">')
    path = report_file(
        f'<?xml version="1.0"?>\n<!DOCTYPE testsuites SYSTEM "file://{dtd}">\n'
        '<testsuites><testsuite name="s"><testcase name="a&injected;"/>'
        "<testcase name='b'><failure>&injected;</failure></testcase></testsuite></testsuites>"
    )
    seen = []

    with pytest.raises(ReportParseError) as caught:
        seen.extend(read_report(path))

    assert "does not define" in caught.value.error.message
    assert "INJECTED" not in repr(seen) + str(caught.value)


def test_coverage_files_get_the_same_protection(report_file) -> None:
    path = report_file(BILLION_LAUGHS.replace("testsuites", "coverage"))

    with pytest.raises(ReportParseError, match="declares an entity"):
        read_coverage(path)
