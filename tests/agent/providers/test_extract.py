"""Zip files from CI providers are untrusted: extraction stays inside its destination and its bounds, and
a bad archive is refused before anything is written."""

from __future__ import annotations

import stat
import zipfile
from pathlib import Path

import pytest

from agent.providers.base import ProviderError
from agent.providers.extract import UnsafeArchiveError, extract_zip


def make_zip(path: Path, entries: list[tuple[str, bytes]], *, links: dict[str, str] | None = None) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries:
            archive.writestr(name, data)
        for name, target in (links or {}).items():
            info = zipfile.ZipInfo(name)
            info.create_system = 3
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(info, target)
    return path


def test_it_extracts_files_and_directories_and_returns_the_files(tmp_path: Path):
    archive = make_zip(
        tmp_path / "logs.zip", [("build/1_Set up job.txt", b"setup\n"), ("0_build.txt", b"all\n")]
    )
    dest = tmp_path / "out"
    written = extract_zip(archive, dest)
    assert sorted(path.relative_to(dest).as_posix() for path in written) == [
        "0_build.txt",
        "build/1_Set up job.txt",
    ]
    assert (dest / "build" / "1_Set up job.txt").read_bytes() == b"setup\n"


@pytest.mark.parametrize(
    "name",
    ["../escape.txt", "logs/../../escape.txt", "/etc/escape.txt", "C:/escape.txt", "..\\escape.txt"],
)
def test_an_entry_leaving_the_destination_is_refused_and_nothing_is_written(tmp_path: Path, name: str):
    archive = make_zip(tmp_path / "evil.zip", [("fine.txt", b"ok"), (name, b"pwned")])
    dest = tmp_path / "deep" / "out"
    with pytest.raises(UnsafeArchiveError, match="nothing was extracted"):
        extract_zip(archive, dest)
    assert not dest.exists()
    assert not (tmp_path / "escape.txt").exists()
    assert not (tmp_path / "deep" / "escape.txt").exists()


@pytest.mark.parametrize("target", ["../../outside", "/etc/passwd", "sub/../../outside"])
def test_a_link_pointing_outside_the_destination_is_refused(tmp_path: Path, target: str):
    archive = make_zip(tmp_path / "evil.zip", [("fine.txt", b"ok")], links={"link": target})
    dest = tmp_path / "out"
    with pytest.raises(UnsafeArchiveError, match="points outside"):
        extract_zip(archive, dest)
    assert not (dest / "link").exists()
    assert not (dest / "link").is_symlink()


def test_a_link_within_the_destination_is_kept(tmp_path: Path):
    archive = make_zip(tmp_path / "ok.zip", [("real/data.txt", b"data")], links={"alias": "real/data.txt"})
    dest = tmp_path / "out"
    extract_zip(archive, dest)
    assert (dest / "alias").is_symlink()
    assert (dest / "alias").read_bytes() == b"data"


@pytest.mark.filterwarnings("ignore:Duplicate name:UserWarning")
def test_a_file_cannot_be_written_through_a_link_an_earlier_entry_planted(tmp_path: Path):
    with zipfile.ZipFile(tmp_path / "evil.zip", "w") as archive:
        info = zipfile.ZipInfo("alias")
        info.create_system = 3
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(info, "real.txt")
        archive.writestr("real.txt", b"original")
        archive.writestr("alias", b"overwrite through the link")
    with pytest.raises(UnsafeArchiveError, match="replace a link"):
        extract_zip(tmp_path / "evil.zip", tmp_path / "out")
    assert (tmp_path / "out" / "real.txt").read_bytes() == b"original"


def test_a_zip_bomb_over_the_size_bound_is_refused_before_writing(tmp_path: Path):
    archive = make_zip(tmp_path / "bomb.zip", [("zeros.bin", b"\0" * (4 << 20))])
    assert archive.stat().st_size < 64 << 10  # small on the wire, large once expanded
    dest = tmp_path / "out"
    with pytest.raises(UnsafeArchiveError, match="expands to"):
        extract_zip(archive, dest, max_bytes=1 << 20)
    assert not dest.exists()


def test_an_archive_with_too_many_entries_is_refused(tmp_path: Path):
    archive = make_zip(tmp_path / "many.zip", [(f"f{n}.txt", b"") for n in range(11)])
    with pytest.raises(UnsafeArchiveError, match="11 entries"):
        extract_zip(archive, tmp_path / "out", max_entries=10)


def test_special_permission_bits_are_dropped_and_the_executable_bit_kept(tmp_path: Path):
    with zipfile.ZipFile(tmp_path / "modes.zip", "w") as archive:
        for name, mode in [("setuid", 0o4755), ("plain", 0o600)]:
            info = zipfile.ZipInfo(name)
            info.create_system = 3
            info.external_attr = (stat.S_IFREG | mode) << 16
            archive.writestr(info, b"#!/bin/sh\n")
    extract_zip(tmp_path / "modes.zip", tmp_path / "out")
    setuid_mode = (tmp_path / "out" / "setuid").stat().st_mode
    assert not setuid_mode & stat.S_ISUID
    assert setuid_mode & stat.S_IXUSR
    assert not (tmp_path / "out" / "plain").stat().st_mode & stat.S_IXUSR


def test_something_that_is_not_a_zip_is_a_provider_error_naming_it(tmp_path: Path):
    (tmp_path / "logs.zip").write_text("<html>Sign in</html>")
    with pytest.raises(ProviderError, match=r"logs\.zip is not a readable zip file"):
        extract_zip(tmp_path / "logs.zip", tmp_path / "out")
