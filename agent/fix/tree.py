"""The work tree as bytes: a snapshot to roll back to, a scratch copy to compute a fix in, and diffs.

A fix is computed in a scratch copy (the tree's files, tracked and untracked, ignored ones left out), so
a dry run never touches the tree and a fixer's command can only change the copy. What it changed is then
written to the tree; if validation fails, ``restore`` puts every byte back, removes the files that
appeared since the snapshot (a fixer's or a validation command's) and the directories they needed, and
``digest`` proves the tree is the one it started from.
"""

from __future__ import annotations

import difflib
import hashlib
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from agent.fix.repo import list_files

Changes = Mapping[str, bytes | None]  # path -> new bytes (None: deleted)


@dataclass(frozen=True)
class Snapshot:
    root: Path
    files: Mapping[str, bytes]
    directories: frozenset[str]

    def digest(self) -> str:
        return _digest(self.files)


def take(root: Path) -> Snapshot:
    files = {path: (root / path).read_bytes() for path in list_files(root)}
    directories = frozenset(str(parent) for path in files for parent in PurePosixPath(path).parents)
    return Snapshot(root, files, directories)


def digest(root: Path) -> str:
    """A hash of the tree's listed files: their paths and their bytes."""
    return _digest({path: (root / path).read_bytes() for path in list_files(root)})


def restore(snapshot: Snapshot) -> None:
    root = snapshot.root
    appeared = set(list_files(root)) - set(snapshot.files)
    for path in appeared:
        (root / path).unlink()
    for path, data in snapshot.files.items():
        target = root / path
        if not target.is_file() or target.read_bytes() != data:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
    # the directories the removed files needed, deepest first, when nothing else is in them now
    needed = {
        str(parent) for path in appeared for parent in PurePosixPath(path).parents
    } - snapshot.directories
    for directory in sorted(needed, key=lambda d: d.count("/"), reverse=True):
        target = root / directory
        if target.is_dir() and not any(target.iterdir()):
            target.rmdir()


def scratch_copy(snapshot: Snapshot) -> Path:
    """A temporary directory holding the snapshot's files (a git repository, so the same files are listed
    and ignored there); the repository's node_modules is linked in for its tools. The caller removes it."""
    scratch = Path(tempfile.mkdtemp(prefix="orchestrate-fix-"))
    for path, data in snapshot.files.items():
        target = scratch / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        shutil.copymode(snapshot.root / path, target)
    subprocess.run(["git", "init", "-q"], cwd=scratch, check=True, capture_output=True)
    if (snapshot.root / "node_modules").is_dir():
        (scratch / "node_modules").symlink_to(snapshot.root / "node_modules", target_is_directory=True)
    return scratch


def changes(snapshot: Snapshot, scratch: Path) -> dict[str, bytes | None]:
    now = {path: (scratch / path).read_bytes() for path in list_files(scratch)}
    changed: dict[str, bytes | None] = {p: data for p, data in now.items() if snapshot.files.get(p) != data}
    changed.update({path: None for path in snapshot.files if path not in now})
    return dict(sorted(changed.items()))


def outside(root: Path, paths: Iterable[str]) -> list[str]:
    """The paths that are symbolic links, or lead out of ``root`` through one: writing them would write
    somewhere else than the tree (a link in a pull request can point anywhere)."""
    real_root = root.resolve()
    return [
        path
        for path in paths
        if (root / path).is_symlink() or not (root / path).resolve().is_relative_to(real_root)
    ]


def write(root: Path, changed: Changes) -> None:
    for path, data in changed.items():
        target = root / path
        if data is None:
            target.unlink(missing_ok=True)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)


def unified_diff(snapshot: Snapshot, changed: Changes) -> str:
    chunks = []
    for path, data in changed.items():
        before, after = snapshot.files.get(path), data
        if b"\0" in (before or b"") + (after or b""):
            chunks.append(f"Binary file {path} changed\n")
            continue
        chunks.extend(
            difflib.unified_diff(
                _lines(before),
                _lines(after),
                "/dev/null" if before is None else f"a/{path}",
                "/dev/null" if after is None else f"b/{path}",
            )
        )
    return "".join(
        line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in chunks
    )


def diff_stats(diff: str) -> dict[str, int]:
    lines = diff.splitlines()
    return {
        "files": sum(1 for line in lines if line.startswith("+++ ") or line.startswith("Binary file ")),
        "insertions": sum(1 for line in lines if line.startswith("+") and not line.startswith("+++ ")),
        "deletions": sum(1 for line in lines if line.startswith("-") and not line.startswith("--- ")),
    }


def _lines(data: bytes | None) -> list[str]:
    return [] if data is None else data.decode("utf-8", "replace").splitlines(keepends=True)


def _digest(files: Mapping[str, bytes]) -> str:
    hasher = hashlib.sha256()
    for path in sorted(files):
        hasher.update(path.encode("utf-8", "surrogateescape") + b"\0")
        hasher.update(hashlib.sha256(files[path]).digest())
    return hasher.hexdigest()
