"""What a fixer may look at: the repository and the environment its tools would run in."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath

from agent.fix.model import Candidate, Refusal
from agent.fix.repo import Repository

Proposal = Candidate | Refusal
Proposals = Iterator[Proposal]


@dataclass(frozen=True)
class Workspace:
    repo: Repository
    env: Mapping[str, str]

    def which(self, program: str) -> str | None:
        """Where ``program`` is: the repository's ``node_modules/.bin`` first, then ``PATH``."""
        from agent.fix.runner import which

        return which(program, self.repo.root, self.env)

    def locate(self, reported: str) -> str | None:
        """The repository file a message names: the path itself, or the one file whose path ends with it
        (a CI's absolute path, ``/home/runner/work/app/app/src/x.py``, is ``src/x.py`` here)."""
        reported = reported.replace("\\", "/").strip()
        if reported in self.repo.files:
            return reported
        parts = PurePosixPath(reported).parts
        for start in range(1, len(parts)):
            suffix = "/".join(parts[start:])
            matches = [f for f in self.repo.files if f == suffix or f.endswith("/" + suffix)]
            if len(matches) == 1:
                return matches[0]
            if matches:
                return None
        return None

    def local_module(self, dotted: str) -> bool:
        """True when the first part of ``dotted`` is a package or module of this tree."""
        top = dotted.split(".")[0]
        return any(
            f in (f"{top}.py", f"src/{top}.py") or f.startswith((f"{top}/", f"src/{top}/"))
            for f in self.repo.files
        )
