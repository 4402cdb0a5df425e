"""From report files to the gzip report document on disk (the spool), and the key that names it.

The document's header lists every file with its parse error, which is known only after the file has been
read, while the cases should stream to disk as they are parsed. So the cases go first into one gzip
member in a scratch file; then the header goes into the final file as its own member and the cases'
compressed bytes are appended after it (gzip members concatenate into one stream, RFC 1952; the hub
reads multi-member bodies). Nothing is serialised or compressed twice, and memory does not grow with the
report.

A file that turns out to be malformed half-way keeps the cases read before the error: they are real
results (a job killed while writing its report still ran those tests), and the file's entry in the header
carries the error.

The idempotency key is derived from the job's identity and the SHA-256 of the uncompressed document, so
it is the same on every retry and on every re-run of ``orchestrate report`` over the same files in the
same job, and different as soon as anything in the document differs. It is stored beside the spool file
(``<file>.key``) so ``orchestrate upload FILE`` sends the same key later.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import tempfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agent.document import iter_document
from agent.model import Coverage, FileCoverage, ReportParseError, RunContext, Status, TestCase

COMPRESS_LEVEL = 6  # zlib's default: most of level 9's ratio at a fraction of its time on JSON
KEY_PREFIX = "orc1-"
KEY_SUFFIX = ".key"
MAX_ERROR_CHARS = 10_000  # the schema's bound on a file's error text
_COPY_CHUNK = 1 << 18  # 256 KiB read, at most 1 MiB inflated at a time while hashing


@dataclass
class FileResult:
    """What one input file gave: its format and counts, or why it could not be read."""

    path: str
    kind: str = "tests"  # "tests" or "coverage"
    format: str | None = None
    error: str | None = None
    suites: int = 0
    tests: int = 0
    passed: int = 0
    failures: int = 0
    errors: int = 0
    skipped: int = 0
    declared: dict[str, int] | None = None  # the totals the file's header declares (agent.parsers.totals)

    def count(self, case: TestCase) -> None:
        self.tests += 1
        if case.status is Status.PASSED:
            self.passed += 1
        elif case.status is Status.FAILED:
            self.failures += 1
        elif case.status is Status.ERROR:
            self.errors += 1
        else:
            self.skipped += 1

    def to_document(self) -> dict[str, Any]:
        """The header's ``files`` entry (see the report schema)."""
        entry: dict[str, Any] = {"path": self.path, "format": self.format}
        if self.error is not None:
            entry["error"] = self.error[:MAX_ERROR_CHARS]
        if self.kind == "tests":
            entry["cases"] = self.tests
        return entry


def iter_cases(paths: Iterable[str], results: list[FileResult]) -> Iterator[TestCase]:
    """Every case of every file, in order; appends one ``FileResult`` per file to ``results`` as it goes."""
    from agent.parsers import read_report  # heavy (XML): imported when reports are actually read

    for path in paths:
        result = FileResult(path=path)
        results.append(result)
        reader = None
        try:
            reader = read_report(path)
            result.format = reader.format
            for case in reader:
                result.count(case)
                yield case
        except ReportParseError as exc:
            result.error = str(exc.error)
        except OSError as exc:
            result.error = f"{path}: {exc.strerror or exc}"
        if reader is not None:
            result.suites = getattr(reader, "suites", 0) or 0
            result.declared = reader.declared


def read_coverages(paths: Iterable[str], results: list[FileResult]) -> Coverage | None:
    """All coverage files summed into one ``Coverage`` (per-file entries kept); None if none was readable.

    Summing is exact for reports of disjoint code (one per package or service). Shards that cover the
    same files should be merged by the coverage tool first; the hub sees what it is given.
    """
    from agent.parsers import read_coverage

    merged: Coverage | None = None
    for path in paths:
        result = FileResult(path=path, kind="coverage")
        results.append(result)
        try:
            coverage = read_coverage(path)
        except ReportParseError as exc:
            result.error = str(exc.error)
            continue
        except OSError as exc:
            result.error = f"{path}: {exc.strerror or exc}"
            continue
        result.format = coverage.format
        merged = coverage if merged is None else _add(merged, coverage)
    return merged


def _add(a: Coverage, b: Coverage) -> Coverage:
    files: tuple[FileCoverage, ...] = a.files + b.files
    return Coverage(
        format=a.format,
        lines_covered=a.lines_covered + b.lines_covered,
        lines_valid=a.lines_valid + b.lines_valid,
        branches_covered=a.branches_covered + b.branches_covered,
        branches_valid=a.branches_valid + b.branches_valid,
        files=files,
    )


@dataclass(frozen=True)
class Spooled:
    """A report document written to disk, ready to upload now or later."""

    path: Path
    idempotency_key: str
    sha256: str  # of the uncompressed document
    size: int  # compressed bytes on disk

    @property
    def key_path(self) -> Path:
        return key_path_for(self.path)


def key_path_for(path: Path) -> Path:
    return path.with_name(path.name + KEY_SUFFIX)


def idempotency_key(context: RunContext, document_sha256: str) -> str:
    """``orc1-`` + SHA-256 over provider, repository, run id, attempt, job name and the document's hash."""
    parts = (
        context.provider,
        context.repository or "",
        context.run_id or "",
        str(context.run_attempt),
        context.job_name or "",
        document_sha256,
    )
    return KEY_PREFIX + hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def write_report(
    spool_dir: Path,
    context: RunContext,
    cases: Iterable[TestCase],
    *,
    files: Callable[[], Iterable[dict[str, Any]]] = list,
    coverage: Callable[[], Coverage | None] = lambda: None,
    project: str | None = None,
) -> Spooled:
    """Write the document for ``cases`` to ``spool_dir``; ``files`` and ``coverage`` are asked for after
    the cases are consumed, so they can report what reading the cases found."""
    spool_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    with tempfile.TemporaryFile(dir=spool_dir) as cases_member:
        body = iter_document(context, cases)
        next(body)  # the header is written last, below, once the files' errors are known
        with gzip.GzipFile(
            filename="", fileobj=cases_member, mode="wb", compresslevel=COMPRESS_LEVEL, mtime=0
        ) as gz:
            for chunk in body:
                gz.write(chunk)
        header = next(iter_document(context, (), files=list(files()), coverage=coverage(), project=project))

        digest = hashlib.sha256(header)
        fd, scratch = tempfile.mkstemp(dir=spool_dir, prefix=".report-", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(gzip.compress(header, compresslevel=COMPRESS_LEVEL, mtime=0))
                cases_member.seek(0)
                _copy_hashing(cases_member, out, digest)
            document_sha256 = digest.hexdigest()
            key = idempotency_key(context, document_sha256)
            final = spool_dir / f"report-{key[len(KEY_PREFIX) :][:20]}.json.gz"
            os.replace(scratch, final)
        except BaseException:
            Path(scratch).unlink(missing_ok=True)
            raise
    key_path_for(final).write_text(key + "\n", encoding="ascii")
    return Spooled(path=final, idempotency_key=key, sha256=document_sha256, size=final.stat().st_size)


def _copy_hashing(source: Any, out: Any, digest: Any) -> None:
    """Append the compressed cases to ``out`` and feed their uncompressed bytes to ``digest``."""
    inflate = zlib.decompressobj(wbits=31)
    while block := source.read(_COPY_CHUNK):
        out.write(block)
        data = inflate.decompress(block, _COPY_CHUNK * 4)
        while True:
            digest.update(data)
            if not inflate.unconsumed_tail:
                break
            data = inflate.decompress(inflate.unconsumed_tail, _COPY_CHUNK * 4)
    digest.update(inflate.flush())


def read_key(path: Path) -> str | None:
    """The idempotency key stored beside a spool file, or None if it is missing or not ours."""
    try:
        key = key_path_for(path).read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return key if key.startswith(KEY_PREFIX) and len(key) <= 200 else None


def remove(spooled_path: Path) -> None:
    """Delete a spool file and its key once the hub has the report."""
    spooled_path.unlink(missing_ok=True)
    key_path_for(spooled_path).unlink(missing_ok=True)
