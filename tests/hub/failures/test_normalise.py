"""What changes between runs without changing the failure is masked; what names the failure stays."""

from __future__ import annotations

import pytest

from hub.failures.normalise import NORMALISED_LIMIT, failure_text, fingerprint, normalise

VOLATILE = [
    pytest.param(
        "Widget 123e4567-e89b-12d3-a456-426614174000 not found",
        "Widget 9b2c1f0e-77aa-4c3b-8d1e-0f9e8d7c6b5a not found",
        "Widget <uuid> not found",
        id="uuid",
    ),
    pytest.param(
        "lease expired at 2026-11-21T06:34:05.123Z",
        "lease expired at 2025-01-02T23:59:59+01:00",
        "lease expired at <time>",
        id="iso-timestamp",
    ),
    pytest.param(
        "2026-11-21 06:34:05,123 ERROR worker died",
        "2026-11-22 07:00:00,999 ERROR worker died",
        "<time> ERROR worker died",
        id="log-timestamp",
    ),
    pytest.param("no prices for 2026-11-21", "no prices for 2024-02-29", "no prices for <date>", id="date"),
    pytest.param(
        "Date: Sat, 21 Nov 2026 06:34:05 GMT",
        "Date: Mon, 02 Jan 2026 10:00:00 GMT",
        "Date: <time>",
        id="http-date",
    ),
    pytest.param(
        "No such file or directory: '/tmp/pytest-of-runner/pytest-12/test_load0/data.json'",
        "No such file or directory: '/tmp/pytest-of-runner/pytest-88/test_load0/data.json'",
        "No such file or directory: '<tmp>'",
        id="tmp-path",
    ),
    pytest.param(
        "open /var/folders/zz/zyxvpxvq6csfxvn_n0000000000000/T/TestLoad123/config: no such file",
        "open /private/var/folders/ab/cdefg_n0000000000001/T/TestLoad999/config: no such file",
        "open <tmp>: no such file",
        id="macos-tmp-path",
    ),
    pytest.param(
        r"Could not find file 'C:\Users\runneradmin\AppData\Local\Temp\tmpA1B2.tmp'",
        r"Could not find file 'C:\Users\VssAdministrator\AppData\Local\Temp\tmpZZ9.tmp'",
        "Could not find file '<tmp>'",
        id="windows-tmp-path",
    ),
    pytest.param(
        "<Widget object at 0x7f3a2b1c4d50> is not JSON serializable",
        "<Widget object at 0x10c125c0> is not JSON serializable",
        "<Widget object at <addr>> is not JSON serializable",
        id="memory-address",
    ),
    pytest.param(
        "object 9fceb02d0ae598e95dc970b74767f19372d61af8 is missing",
        "object 1a2b3c4d5e6f is missing",
        "object <hex> is missing",
        id="hex-id",
    ),
    pytest.param(
        "connect ECONNREFUSED 127.0.0.1:5432",
        "connect ECONNREFUSED 10.1.2.3:55432",
        "connect ECONNREFUSED <ip>",
        id="ip-and-port",
    ),
    pytest.param(
        "could not connect to localhost:6379",
        "could not connect to localhost:6380",
        "could not connect to localhost:<port>",
        id="port",
    ),
    pytest.param(
        "listen tcp :8080: bind: address already in use",
        "listen tcp :41234: bind: address already in use",
        "listen tcp :<port>: bind: address already in use",
        id="bare-port",
    ),
    pytest.param(
        "Timeout of 2000ms exceeded after 3.5s",
        "Timeout of 500ms exceeded after 12s",
        "Timeout of <duration> exceeded after <duration>",
        id="duration",
    ),
    pytest.param(
        "expected: <1> but was: <0>",
        "expected: <42> but was: <-7>",
        "expected: <<n>> but was: <<n>>",
        id="numbers",
    ),
    pytest.param(
        "expected  true\n\n   to be\tfalse",
        "expected true to be false",
        "expected true to be false",
        id="whitespace",
    ),
]


@pytest.mark.parametrize(("first", "second", "normalised"), VOLATILE)
def test_each_volatile_part_is_masked_so_two_occurrences_are_one_failure(first, second, normalised):
    assert normalise(first) == normalised
    assert normalise(second) == normalised


def test_names_in_the_message_are_kept_so_different_failures_stay_apart():
    assert normalise("No module named 'requests'") != normalise("No module named 'yaml'")


def test_words_that_look_like_hex_but_have_no_digit_are_kept():
    assert normalise("deadbeef facade decade") == "deadbeef facade decade"


def test_the_normalised_text_is_bounded():
    assert len(normalise("word " * 10_000)) == NORMALISED_LIMIT


def test_the_fingerprint_is_a_sha256_of_the_type_and_the_normalised_text():
    text = normalise("expected: <1> but was: <0>")

    assert len(fingerprint(text, "AssertionError")) == 64
    assert fingerprint(text, "AssertionError") == fingerprint(text, "AssertionError")
    assert fingerprint(text, "AssertionError") != fingerprint(text, "ComparisonFailure")


def test_without_a_message_the_first_telling_line_of_the_trace_is_used():
    trace = "Traceback (most recent call last):\n  File \"x.py\", line 3\nKeyError: 'widget'"

    assert failure_text("", "java.lang.NullPointerException\n\tat Widget.run(Widget.java:3)") == (
        "java.lang.NullPointerException"
    )
    assert failure_text(None, trace) == "KeyError: 'widget'"
    assert failure_text("the message", trace) == "the message"
