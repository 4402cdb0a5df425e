"""Properties of the two readers an upload goes through, over inputs hypothesis generates.

The report document reader (``documents``): any valid report, in any key order and layout and cut into
slices of any size, reads back as ``json.loads`` reads it (NUL stored as U+FFFD); any other body is
refused with a reason (an ``IngestError``), never a crash. The multipart reader (``uploads.read_form``
and ``multipart``): any form reads back as sent or is refused naming its limit; any run fields give a
header or a named refusal, never a NUL.
"""

from __future__ import annotations

import hashlib
import io
import json

import msgspec
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import QueryDict
from django.test import RequestFactory, override_settings
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hub.projects.models import Project
from hub.runs.services import documents, multipart
from hub.runs.services.cases import Case, Rerun
from hub.runs.services.errors import IngestError, PayloadTooLarge
from hub.runs.services.header import Header
from hub.runs.services.uploads import read_form

# derandomize: the same examples on every run, so that CI never fails on a draw no one can replay.
EXAMPLES = settings(
    max_examples=150, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)

text = st.text(max_size=20)  # any code point but lone surrogates, NUL included
optional_text = st.none() | text
name = st.text(min_size=1, max_size=20)
status = st.sampled_from(["passed", "failed", "error", "skipped"])
seconds = st.none() | st.integers(0, 10**9) | st.floats(0, 1e9, allow_nan=False)
rerun = st.fixed_dictionaries(
    {"status": status},
    optional={"duration": seconds, "message": optional_text, "type": optional_text, "trace": optional_text},
)
case = st.fixed_dictionaries(
    {"name": name, "status": status},
    optional={
        **dict.fromkeys(("classname", "suite", "file", "message", "type", "trace", "stdout"), optional_text),
        "line": st.none() | st.integers(0, 2**63 - 1),
        "duration": seconds,
        "properties": st.lists(st.lists(text, min_size=2, max_size=2), max_size=3),
        "reruns": st.lists(rerun, max_size=2),
    },
)
header = st.fixed_dictionaries(
    {
        "version": st.just(1),
        "run": st.fixed_dictionaries({"run_id": name}, optional={"branch": optional_text}),
    },
    optional={
        "job": st.fixed_dictionaries({"name": name}),
        "files": st.lists(
            st.fixed_dictionaries({"path": name}, optional={"error": optional_text}), max_size=2
        ),
    },
)


@st.composite
def report_bodies(draw) -> tuple[dict, bytes]:
    """A valid report and its JSON, keys in any order, compact or indented, escaped or not."""
    doc = {**draw(header), "cases": draw(st.lists(case, max_size=12))}
    order = draw(st.permutations(list(doc)))
    indent = draw(st.sampled_from([None, 1]))
    ascii_only = draw(st.booleans())
    body = json.dumps({key: doc[key] for key in order}, indent=indent, ensure_ascii=ascii_only)
    return doc, body.encode()


def refusal(call, *args) -> IngestError | None:
    """The reason ``call`` refused its input, or None when it accepted it."""
    try:
        call(*args)
    except IngestError as exc:
        return exc
    return None


def read(body: bytes, slice_bytes: int) -> tuple[dict, list[Case]]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(documents, "SLICE_BYTES", slice_bytes)
        file = io.BytesIO(body)
        found = documents.read_header(file)
        batches = (
            documents.iter_case_batches(file, depth_checked=found.depth_checked) if found.has_cases else []
        )
    return found.header, [c for batch in batches for c in batch]


def stored(value):
    """A report's value as the hub keeps it: NUL replaced by U+FFFD."""
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd")
    if isinstance(value, list):
        return [stored(item) for item in value]
    if isinstance(value, dict):
        return {key: stored(item) for key, item in value.items()}
    return value


def plain(struct: Case | Rerun) -> dict:
    return json.loads(msgspec.json.encode(struct))


CASE_DEFAULTS = plain(Case(name="-", status="passed"))
RERUN_DEFAULTS = plain(Rerun(status="passed"))


def expected_case(doc: dict) -> dict:
    kept = {**CASE_DEFAULTS, **stored(doc)}
    kept["reruns"] = [{**RERUN_DEFAULTS, **rerun} for rerun in kept["reruns"]]
    return kept


@EXAMPLES
@given(report_bodies(), st.integers(64, 2048))
def test_any_valid_report_reads_back_as_json_reads_it_whatever_its_layout_and_slices(report, slice_bytes):
    doc, body = report
    got_header, got_cases = read(body, slice_bytes)
    assert got_header == {key: value for key, value in doc.items() if key != "cases"}
    assert [plain(c) for c in got_cases] == [expected_case(c) for c in doc["cases"]]


TOKENS = [b"[", b"]", b"{", b"}", b'"', b",", b":", b"\\", b"\\u0000", b"\\ud800", b"1e400", b"-1", b"null"]


@st.composite
def damaged_bodies(draw) -> bytes:
    """A valid report with a few bytes inserted, deleted or nested deeper."""
    body = bytearray(draw(report_bodies())[1])
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(body)))
        edit = draw(st.sampled_from(["insert", "delete", "nest"]))
        if edit == "insert":
            body[at:at] = draw(st.sampled_from(TOKENS))
        elif edit == "delete":
            del body[at : at + draw(st.integers(1, 8))]
        else:
            depth = draw(st.integers(1, 60))
            body[at:at] = b"[" * depth + b"]" * depth
    return bytes(body)


@EXAMPLES
@given(st.binary(max_size=200) | damaged_bodies(), st.integers(64, 2048))
def test_any_other_body_is_read_or_refused_with_a_reason_never_a_crash(body, slice_bytes):
    refused = refusal(read, body, slice_bytes)
    assert refused is None or (refused.message and refused.status in (400, 413, 422))


@EXAMPLES
@given(st.integers(documents.MAX_DEPTH + 1, 3000), st.sampled_from(["job", "cases"]))
def test_nesting_past_the_limit_anywhere_is_refused_naming_it(depth, where):
    doc = {
        "version": 1,
        "run": {"run_id": "1"},
        "job": {"name": "j"},
        "cases": [{"name": "a", "status": "passed"}],
    }
    nest = "[" * depth + "]" * depth
    body = json.dumps(doc).replace('"j"' if where == "job" else '"a"', nest).encode()
    with pytest.raises(IngestError, match=f"more than {documents.MAX_DEPTH} levels deep"):
        read(body, 1024)


FIELD_NAMES = sorted({*multipart.RUN_FIELDS, *multipart.JOB_FIELDS, *multipart.OTHER_FIELDS, "colour"})


@EXAMPLES
@given(st.dictionaries(st.sampled_from(FIELD_NAMES), st.text(max_size=30), max_size=8))
def test_any_run_fields_give_a_header_without_nul_or_a_named_refusal(fields):
    project = Project(full_name="acme/widgets", provider="github")
    form = QueryDict(mutable=True)
    form.update(fields)
    headers: list[Header] = []

    def parse() -> None:
        headers.append(Header.from_document(project, multipart.header_document(form, [], None)))

    refused = refusal(parse)
    assert refused is None or (refused.message and refused.status in (403, 422))
    assert all("\x00" not in json.dumps([h.run, h.job], default=str) for h in headers)


@EXAMPLES
@given(
    st.dictionaries(st.sampled_from(FIELD_NAMES), st.text(max_size=30), max_size=5),
    st.lists(st.binary(max_size=3000), max_size=5),
    st.integers(1, 4),
)
def test_any_form_reads_back_as_sent_or_is_refused_naming_its_file_limit(fields, contents, most_files):
    files = [SimpleUploadedFile(f"r{n}.xml", content) for n, content in enumerate(contents)]
    body = encode_multipart(BOUNDARY, {**fields, "junit": files})
    request = RequestFactory().generic("POST", "/api/v1/reports", body, content_type=MULTIPART_CONTENT)
    read_back: list[tuple] = []

    def parse() -> None:
        with override_settings(DATA_UPLOAD_MAX_NUMBER_FILES=most_files), read_form(request) as (form, got):
            uploads = got.getlist("junit")
            read_back.append(
                (
                    {key: form.getlist(key) for key in form},
                    [u.read() for u in uploads],
                    [u.sha256 for u in uploads],
                )
            )

    refused = refusal(parse)
    if len(contents) > most_files:
        assert isinstance(refused, PayloadTooLarge)
        assert f"more than {most_files} files, the limit (MULTIPART_MAX_FILES)" in refused.message
    else:
        sent = {key: [value] for key, value in fields.items()}
        assert read_back == [(sent, contents, [hashlib.sha256(c).hexdigest() for c in contents])]


MULTIPART_TOKENS = [
    b"\r\n",
    b"--",
    BOUNDARY.encode(),
    b'Content-Disposition: form-data; name="',
    b'"',
    b"\x00",
]


@st.composite
def damaged_forms(draw) -> bytes:
    """A valid form with a few bytes inserted or deleted, or cut short."""
    fields = draw(st.dictionaries(st.sampled_from(FIELD_NAMES), st.text(max_size=10), max_size=3))
    contents = draw(st.lists(st.binary(max_size=200), max_size=3))
    files = [SimpleUploadedFile(f"r{n}.xml", content) for n, content in enumerate(contents)]
    body = bytearray(encode_multipart(BOUNDARY, {**fields, "junit": files}))
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(body)))
        if draw(st.booleans()):
            body[at:at] = draw(st.sampled_from(MULTIPART_TOKENS))
        else:
            del body[at : at + draw(st.integers(1, 40))]
    return bytes(body)


@EXAMPLES
@given(st.binary(max_size=300) | damaged_forms())
def test_any_multipart_body_is_read_or_refused_with_a_reason_never_a_crash(body):
    request = RequestFactory().generic("POST", "/api/v1/reports", body, content_type=MULTIPART_CONTENT)

    def parse() -> None:
        with read_form(request) as (form, files):
            multipart.content_digest(form, files)

    refused = refusal(parse)
    assert refused is None or (refused.message and refused.status in (400, 413))
