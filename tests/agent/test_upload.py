"""The report document on disk: valid against the schema, header first, and a stable idempotency key."""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
import json
from pathlib import Path

import jsonschema
import pytest

from agent.document import load_schema
from agent.model import Coverage, Rerun, RunContext, Status, TestCase
from agent.upload import FileResult, idempotency_key, read_key, write_report

CONTEXT = RunContext(
    provider="github",
    repository="octo/app",
    run_id="42",
    run_attempt=1,
    commit_sha="a" * 40,
    job_name="tests",
)


def cases() -> list[TestCase]:
    return [
        TestCase(name="test_ok", classname="pkg.Mod", status=Status.PASSED, duration=0.1),
        TestCase(
            name="test_flaky",
            classname="pkg.Mod",
            status=Status.PASSED,
            reruns=(Rerun(status=Status.FAILED, message="timeout"),),
        ),
        TestCase(
            name="test_bad",
            classname="pkg.Mod",
            status=Status.FAILED,
            message="assert 1 == 2",
            file="t.py",
            line=3,
        ),
    ]


def files() -> list[dict]:
    good = FileResult(path="a.xml", format="junit", tests=3)
    bad = FileResult(path="b.xml", format="junit", error="b.xml:3: mismatched tag")
    return [good.to_document(), bad.to_document()]


def read_document(path: Path) -> dict:
    return json.loads(gzip.decompress(path.read_bytes()))  # reads every gzip member


def test_the_spooled_document_is_valid_against_the_schema(tmp_path: Path) -> None:
    coverage = Coverage(format="cobertura", lines_covered=5, lines_valid=10)
    spooled = write_report(
        tmp_path, CONTEXT, cases(), files=files, coverage=lambda: coverage, project="octo/app"
    )
    jsonschema.Draft202012Validator(load_schema()).validate(read_document(spooled.path))


def test_the_header_lists_each_file_with_its_parse_error(tmp_path: Path) -> None:
    spooled = write_report(tmp_path, CONTEXT, cases(), files=files)
    document = read_document(spooled.path)
    assert document["files"] == [
        {"path": "a.xml", "format": "junit", "cases": 3},
        {"path": "b.xml", "format": "junit", "error": "b.xml:3: mismatched tag", "cases": 0},
    ]
    assert [c["name"] for c in document["cases"]] == ["test_ok", "test_flaky", "test_bad"]


def test_the_header_comes_before_the_cases(tmp_path: Path) -> None:
    spooled = write_report(tmp_path, CONTEXT, cases(), files=files)
    text = gzip.decompress(spooled.path.read_bytes()).decode()
    assert text.index('"files"') < text.index('"cases"')
    assert text.index('"run"') < text.index('"cases"')


def test_the_file_is_a_header_member_followed_by_a_cases_member(tmp_path: Path) -> None:
    spooled = write_report(tmp_path, CONTEXT, cases(), files=files)
    raw = spooled.path.read_bytes()
    assert raw.count(b"\x1f\x8b\x08") >= 2


def test_the_recorded_sha256_is_of_the_uncompressed_document(tmp_path: Path) -> None:
    spooled = write_report(tmp_path, CONTEXT, cases(), files=files)
    assert spooled.sha256 == hashlib.sha256(gzip.decompress(spooled.path.read_bytes())).hexdigest()


def test_the_key_is_the_same_when_the_same_report_is_written_again(tmp_path: Path) -> None:
    first = write_report(tmp_path / "one", CONTEXT, cases(), files=files)
    second = write_report(tmp_path / "two", CONTEXT, cases(), files=files)
    assert first.idempotency_key == second.idempotency_key
    assert first.path.name == second.path.name


def test_the_key_differs_for_another_attempt_of_the_same_run(tmp_path: Path) -> None:
    first = write_report(tmp_path, CONTEXT, cases(), files=files)
    rerun = write_report(tmp_path, dataclasses.replace(CONTEXT, run_attempt=2), cases(), files=files)
    assert first.idempotency_key != rerun.idempotency_key


def test_the_key_differs_when_a_result_differs(tmp_path: Path) -> None:
    first = write_report(tmp_path, CONTEXT, cases(), files=files)
    changed = write_report(tmp_path, CONTEXT, cases()[:2], files=files)
    assert first.idempotency_key != changed.idempotency_key


def test_the_key_is_derived_from_the_job_identity_and_the_document_hash(tmp_path: Path) -> None:
    spooled = write_report(tmp_path, CONTEXT, cases(), files=files)
    assert spooled.idempotency_key == idempotency_key(CONTEXT, spooled.sha256)
    assert spooled.idempotency_key.startswith("orc1-")
    assert len(spooled.idempotency_key) <= 200


def test_the_key_is_stored_beside_the_file(tmp_path: Path) -> None:
    spooled = write_report(tmp_path, CONTEXT, cases(), files=files)
    assert read_key(spooled.path) == spooled.idempotency_key
    assert spooled.key_path.name == spooled.path.name + ".key"


def test_a_report_without_cases_is_still_a_valid_document(tmp_path: Path) -> None:
    spooled = write_report(tmp_path, CONTEXT, [], files=files)
    document = read_document(spooled.path)
    assert document["cases"] == []
    jsonschema.Draft202012Validator(load_schema()).validate(document)


def test_it_leaves_no_scratch_files_behind(tmp_path: Path) -> None:
    write_report(tmp_path, CONTEXT, cases(), files=files)
    assert sorted(p.suffix for p in tmp_path.iterdir()) == [".gz", ".key"]


def test_it_leaves_no_partial_file_when_reading_the_cases_fails(tmp_path: Path) -> None:
    def exploding():
        yield cases()[0]
        raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError):
        write_report(tmp_path, CONTEXT, exploding(), files=files)
    assert list(tmp_path.iterdir()) == []
