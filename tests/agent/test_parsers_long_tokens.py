"""A huge attribute or comment: parsed in time proportional to the file, or refused naming the limit.

The work is pinned without timing: ``Feed.scanned`` counts the bytes expat is handed, an unfinished token
counted again each time it is re-scanned. Fed in fixed 64 KiB chunks (the old reader), an 8 MiB attribute
cost about 500 MiB of scanning and a 16 MiB one four times that.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.model import MAX_MESSAGE_CHARS, ReportParseError, Status
from agent.parsers import read_report
from agent.parsers._feed import MAX_TOKEN_BYTES, MAX_VALUE_BYTES, Feed
from agent.parsers._xml import secure_parser

MIB = 1024 * 1024


def long_message_report(path: Path, value: bytes, pad: int = 0) -> Path:
    path.write_bytes(
        b'<?xml version="1.0" encoding="UTF-8"?>\n<testsuites>' + b" " * pad + b'<testsuite name="s">'
        b'<testcase name="huge" classname="C"><failure message="' + value + b'" type="E">trace</failure>'
        b'</testcase><testcase name="after" classname="C" time="1.5"/></testsuite></testsuites>'
    )
    return path


def scanned(path: Path) -> int:
    """What expat is handed to scan while reading ``path`` through a ``Feed``."""
    parser = secure_parser()
    with open(path, "rb") as source:
        feed = Feed(parser, source)
        while chunk := feed.read():
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    return feed.scanned


def test_the_work_of_a_long_attribute_does_not_grow_with_its_length(tmp_path: Path) -> None:
    small = long_message_report(tmp_path / "small.xml", b"x" * (4 * MIB))
    large = long_message_report(tmp_path / "large.xml", b"x" * (16 * MIB))

    assert scanned(large) == scanned(small)
    assert scanned(large) < 8 * MAX_VALUE_BYTES  # a few times the cut, whatever the length


def test_the_work_of_an_attribute_under_the_cut_stays_within_a_few_times_its_size(tmp_path: Path) -> None:
    path = long_message_report(tmp_path / "r.xml", b"x" * (MAX_VALUE_BYTES - 4096))

    assert scanned(path) < 4 * path.stat().st_size


def test_a_cut_attribute_keeps_its_head_and_the_cases_after_it(tmp_path: Path) -> None:
    path = long_message_report(tmp_path / "r.xml", b"0123456789" * (5 * MIB))

    huge, after = read_report(path)

    assert (huge.status, huge.failure_type, huge.trace) == (Status.FAILED, "E", "trace")
    assert len(huge.message) == MAX_MESSAGE_CHARS
    assert huge.message.startswith("0123456789" * 300)
    assert (after.name, after.status, after.duration) == ("after", Status.PASSED, 1.5)


@pytest.mark.parametrize("pad", range(6))
def test_a_value_is_cut_cleanly_inside_a_reference_or_a_multibyte_character(tmp_path: Path, pad) -> None:
    # Six alignments of a 6-byte pattern: the cut lands inside "&amp;" or inside "é" in some of them.
    path = long_message_report(tmp_path / "r.xml", "&amp;é".encode() * (MIB // 2), pad)

    huge, after = read_report(path)

    assert huge.message.startswith("&é&é&é")
    assert after.name == "after"


def test_a_comment_larger_than_the_token_limit_is_refused_naming_the_limit(tmp_path: Path) -> None:
    path = tmp_path / "r.xml"
    path.write_bytes(b"<testsuites><!--" + b"x" * (MAX_TOKEN_BYTES + MIB) + b"--></testsuites>")

    with pytest.raises(ReportParseError, match=r"larger than 4 MiB \(the limit for one XML token\)"):
        list(read_report(path))


def test_an_attribute_that_never_closes_is_reported_as_a_truncated_file(tmp_path: Path) -> None:
    path = tmp_path / "r.xml"
    path.write_bytes(b'<testsuites><testsuite name="' + b"x" * (3 * MIB))

    with pytest.raises(ReportParseError, match="truncated"):
        list(read_report(path))
