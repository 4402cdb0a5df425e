"""Which format a file is in, decided from its first bytes and never from its name.

CI users point the agent at globs like ``**/*.xml``; a Surefire directory also holds
``failsafe-summary.xml``, and .NET runs leave ``.trx`` files named anything. So the format comes from the
content: the root element of an XML document, the shape of a JSON document, or LCOV's record keys.
"""

from __future__ import annotations

import codecs
import json
import re

from agent.parsers._errors import parse_error

SNIFF_BYTES = 64 * 1024  # enough to get past a long licence comment or XML prolog

# Root element (lower case, prefix stripped) to report format.
XML_REPORT_ROOTS = {
    "testsuites": "junit",
    "testsuite": "junit",
    "test-results": "nunit2",
    "test-run": "nunit3",
    "test-suite": "nunit3",  # NUnit 3 without the <test-run> around it
    "assemblies": "xunit",
    "assembly": "xunit",  # xUnit.net v1 with a single assembly
    "testrun": "trx",
}
XML_COVERAGE_ROOTS = {"coverage": "cobertura"}

_REPORT_ROOT_NAMES = (
    "testsuites",
    "testsuite",
    "test-results",
    "test-run",
    "test-suite",
    "assemblies",
    "assembly",
    "TestRun",
)
_ROOT = re.compile(r"<([A-Za-z_][\w.:-]*)")
_LCOV_KEYS = ("TN:", "SF:")


def read_head(path: str) -> bytes:
    """The first bytes of the file; an empty or unreadable file is a ReportParseError now, not later."""
    try:
        with open(path, "rb") as stream:
            head = stream.read(SNIFF_BYTES)
    except IsADirectoryError:
        raise parse_error(path, "is a directory, not a report file") from None
    except OSError as exc:
        raise parse_error(path, f"cannot be read: {exc.strerror or exc}") from None
    if not head.strip():
        raise parse_error(path, "is empty" if not head else "holds only whitespace")
    return head


def decode_head(head: bytes) -> str:
    """Enough of the text to recognise it; the parsers proper decode the whole file themselves."""
    for bom, encoding in (
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ):
        if head.startswith(bom):
            return head[len(bom) :].decode(encoding, errors="replace")
    if head[:2] == b"<\x00":
        return head.decode("utf-16-le", errors="replace")
    if head[:2] == b"\x00<":
        return head.decode("utf-16-be", errors="replace")
    return head.decode("utf-8", errors="replace")


def xml_root(text: str) -> str | None:
    """The root element's local name, lower-cased, skipping the prolog (declaration, comments, PIs, DOCTYPE);
    None when the text does not start like XML."""
    pos = 0
    size = len(text)
    while pos < size:
        while pos < size and text[pos] in " \t\r\n":
            pos += 1
        if text.startswith("<?", pos):
            end = text.find("?>", pos)
        elif text.startswith("<!--", pos):
            end = text.find("-->", pos)
        elif text.startswith("<!DOCTYPE", pos) or text.startswith("<!doctype", pos):
            bracket = text.find("[", pos)
            close = text.find(">", pos)
            end = text.find("]>", pos) if -1 < bracket < close else close
        else:
            match = _ROOT.match(text, pos)
            return match.group(1).rpartition(":")[2].lower() if match else None
        if end < 0:
            return None
        pos = text.find(">", end) + 1
    return None


def sniff_report(path: str) -> str:
    """The report format of ``path``: one of the keys parsers register, or a ReportParseError."""
    text = decode_head(read_head(path)).lstrip()
    if text.startswith("<"):
        root = xml_root(text)
        if root == "assembly" and "test-framework=" not in text:
            # .NET application manifests have an <assembly> root too; xUnit.net always names itself.
            raise parse_error(
                path,
                "is not a test report: its <assembly> root has no test-framework attribute, as every "
                "xUnit.net report has (a .NET application manifest?)",
                line=1,
            )
        if root in XML_REPORT_ROOTS:
            return XML_REPORT_ROOTS[root]
        if root in XML_COVERAGE_ROOTS:
            raise parse_error(path, "is a coverage report (Cobertura), not a test report", line=1)
        raise parse_error(path, _unknown_root(root, "a test report", _REPORT_ROOT_NAMES), line=1)
    if text.startswith("{"):
        return _sniff_json(path, text)
    raise parse_error(
        path,
        "is not a test report: expected XML (JUnit, NUnit, xUnit.net, TRX) or JSON (Mocha, Dart)",
        line=1,
        column=1,
    )


def sniff_coverage(path: str) -> str:
    text = decode_head(read_head(path)).lstrip()
    if text.startswith("<"):
        root = xml_root(text)
        if root in XML_COVERAGE_ROOTS:
            return XML_COVERAGE_ROOTS[root]
        if root in XML_REPORT_ROOTS:
            message = f"is a test report ({XML_REPORT_ROOTS[root]}), not a coverage report"
            raise parse_error(path, message, line=1)
        raise parse_error(path, _unknown_root(root, "a coverage report (Cobertura)", ("coverage",)), line=1)
    first = text.split("\n", 1)[0].strip()
    if first.startswith(_LCOV_KEYS):
        return "lcov"
    raise parse_error(
        path, "is not a coverage report: expected Cobertura XML or an LCOV tracefile (TN:/SF: lines)", line=1
    )


def _unknown_root(root: str | None, what: str, known: tuple[str, ...]) -> str:
    if root is None:
        return f"is not {what}: no root element found at the start of the file"
    names = ", ".join(f"<{name}>" for name in known)
    return f"is not {what}: the root element is <{root}>, expected one of {names}"


def _sniff_json(path: str, text: str) -> str:
    first_line = text.split("\n", 1)[0]
    try:
        event = json.loads(first_line)
    except ValueError:
        event = None
    if isinstance(event, dict) and event.get("type") == "start" and "protocolVersion" in event:
        return "dart-json"
    # Mocha's JSON reporter writes {"stats": ..., "tests": ...} pretty-printed; the keys are near the top.
    if re.search(r'"stats"\s*:', text[:4096]):
        return "mocha-json"
    raise parse_error(
        path,
        'is JSON but neither Mocha\'s "--reporter json" output (a "stats" object) nor '
        'Dart\'s "--reporter json" events (a first "start" event)',
        line=1,
    )
