"""Safe extraction of the zip files CI providers hand out (GitHub's run logs and artifacts, GitLab's
artifacts): an archive from the network is untrusted input.

Every entry is checked before anything is written, so a bad archive leaves nothing behind:
no absolute paths or drive letters, no ``..`` component, no symbolic link whose target leaves the
destination, at most ``max_entries`` entries, at most ``max_bytes`` uncompressed in total (a zip bomb
declares its sizes honestly or is cut off by ``zipfile`` at the declared size, and the writer counts
again). Files are written with ``O_NOFOLLOW`` after checking that their resolved parent is inside the
destination, so a link planted by an earlier entry cannot redirect a later one. Permission bits other
than "executable" are dropped (no setuid files from the internet).
"""

from __future__ import annotations

import os
import posixpath
import stat
import tempfile
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from agent.providers.base import ProviderError

if TYPE_CHECKING:
    from agent.providers.http import ApiClient

MAX_ENTRIES = 10_000
MAX_BYTES = 2 << 30  # 2 GiB uncompressed per archive
CHUNK = 64 << 10


class UnsafeArchiveError(ProviderError):
    """The archive tries to write outside its destination, or is larger than the bounds allow."""


def _unsafe(archive: str, reason: str, *, checked: bool = False) -> UnsafeArchiveError:
    """``checked``: found while planning, before any file was written."""
    done = "; nothing was extracted" if checked else ""
    return UnsafeArchiveError(
        f"refusing to extract {archive}: {reason}{done}",
        "the archive is damaged or hostile; inspect it by hand if you trust its source",
    )


def _clean_name(name: str) -> str | None:
    """The entry's relative POSIX path, or None when it would leave the destination."""
    name = name.replace("\\", "/")
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        return None
    parts = [part for part in name.split("/") if part not in ("", ".")]
    if not parts or ".." in parts:
        return None
    return "/".join(parts)


def _is_symlink(info: zipfile.ZipInfo) -> bool:
    return info.create_system == 3 and stat.S_ISLNK(info.external_attr >> 16)


def _link_stays_inside(relative: str, target: str) -> bool:
    """A link's target (relative to the link's directory) resolves, lexically, inside the destination."""
    if not target or target.startswith("/") or "\\" in target or "\0" in target:
        return False
    joined = posixpath.normpath(posixpath.join(posixpath.dirname(relative), target))
    return joined != ".." and not joined.startswith("../") and not joined.startswith("/")


def _inside(root: Path, path: Path) -> bool:
    return path == root or root in path.parents


def download_zip(http: ApiClient, path_or_url: str, dest: Path, *, max_bytes: int, name: str) -> list[Path]:
    """Download a zip (at most ``max_bytes``) into a scratch directory and extract it safely into ``dest``;
    ``name`` says what it is in messages ("artifact 'coverage'"). Returns the files written."""
    with tempfile.TemporaryDirectory(prefix="orchestrate-") as scratch:
        archive = http.download(path_or_url, Path(scratch) / "download.zip", max_bytes=max_bytes)
        return extract_zip(archive, dest, name=name)


def extract_zip(
    source: Path | BinaryIO,
    dest: Path,
    *,
    max_bytes: int = MAX_BYTES,
    max_entries: int = MAX_ENTRIES,
    name: str | None = None,
) -> list[Path]:
    """Extract ``source`` into ``dest`` (created if needed) and return the files and links written.

    ``name`` names the archive in error messages (default: the file name).
    """
    label = name or (source.name if isinstance(source, Path) else "the archive")
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError) as exc:
        raise ProviderError(f"{label} is not a readable zip file ({exc})", "download it again") from None
    with archive:
        plan = _plan(archive, label, max_bytes=max_bytes, max_entries=max_entries)
        dest.mkdir(parents=True, exist_ok=True)
        root = dest.resolve()
        budget = max_bytes
        written: list[Path] = []
        for info, relative, link_target in plan:
            target = root / relative
            if info.is_dir():
                _make_dirs(root, target, label)
                continue
            _make_dirs(root, target.parent, label)
            if target.is_symlink() or (target.exists() and not target.is_file()):
                raise _unsafe(label, f"entry {relative!r} would replace a link or directory")
            if link_target is not None:
                os.symlink(link_target, target)
                if not _inside(root, target.resolve()):
                    target.unlink()
                    raise _unsafe(label, f"link {relative!r} points outside the destination")
            else:
                budget -= _write(archive, info, target, budget, label)
            written.append(target)
        return written


def _plan(
    archive: zipfile.ZipFile, label: str, *, max_bytes: int, max_entries: int
) -> list[tuple[zipfile.ZipInfo, str, str | None]]:
    """Check every entry up front: (entry, safe relative path, link target for a symlink)."""
    infos = archive.infolist()
    if len(infos) > max_entries:
        raise _unsafe(label, f"it has {len(infos)} entries, more than {max_entries}", checked=True)
    total = sum(info.file_size for info in infos)
    if total > max_bytes:
        raise _unsafe(label, f"it expands to {total} bytes, more than {max_bytes}", checked=True)
    plan = []
    for info in infos:
        relative = _clean_name(info.filename)
        if relative is None:
            raise _unsafe(
                label, f"entry {info.filename!r} has an absolute path or a '..' component", checked=True
            )
        link_target = None
        if _is_symlink(info):
            if info.file_size > 4096:
                raise _unsafe(label, f"link {info.filename!r} has an implausible target", checked=True)
            link_target = archive.read(info).decode("utf-8", "replace")
            if not _link_stays_inside(relative, link_target):
                raise _unsafe(
                    label,
                    f"link {info.filename!r} points outside the destination ({link_target!r})",
                    checked=True,
                )
        plan.append((info, relative, link_target))
    return plan


def _make_dirs(root: Path, directory: Path, label: str) -> None:
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError:
        raise _unsafe(label, f"{directory.relative_to(root)} is in the way of a directory") from None
    if not _inside(root, directory.resolve()):
        raise _unsafe(label, f"directory {directory.relative_to(root)} resolves outside the destination")


def _write(archive: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path, budget: int, label: str) -> int:
    """Copy one entry with O_NOFOLLOW, counting bytes against what is left of the bound."""
    mode = 0o755 if (info.external_attr >> 16) & 0o111 else 0o644
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0), mode)
    count = 0
    try:
        with os.fdopen(fd, "wb") as out, archive.open(info) as entry:
            while chunk := entry.read(CHUNK):
                count += len(chunk)
                if count > budget:
                    raise _unsafe(label, "it expands beyond the size it declares")
                out.write(chunk)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError) as exc:
        target.unlink(missing_ok=True)
        raise ProviderError(f"{label} is damaged at {info.filename!r} ({exc})", "download it again") from None
    except UnsafeArchiveError:
        target.unlink(missing_ok=True)
        raise
    return count
