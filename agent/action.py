"""The GitHub Action's entrypoint: turns the action's inputs into one ``orchestrate report`` command.

Why Python and not an ``entrypoint.sh``: a Docker action receives input ``hub-url`` as the environment
variable ``INPUT_HUB-URL`` (the runner upper-cases the id and keeps its hyphens), which no POSIX shell can
read. The composite variant (``composite/action.yml``) runs this same module on the host and passes the
inputs as ``INPUT_HUB_URL`` (underscores, so they are valid shell names too); both spellings are read.

Why paths are translated: a Docker action sees the job's workspace at ``/github/workspace``, not at its host
path (``/home/runner/work/<repo>/<repo>``). The runner rewrites an environment value only when the whole
value starts with the host workspace, so an absolute path on the second line of a multi-line input, or after
a ``!``, arrives untouched. Such a pattern is moved under ``/github/workspace`` when we can tell where it
points (it starts with the host workspace, or a tail of it exists under the container workspace); otherwise
that pattern is dropped with an error annotation that points at the composite variant, which runs on the
host and sees every path. Nothing is translated when ``GITHUB_WORKSPACE`` is not the container workspace,
i.e. in the composite variant.

Values are passed as ``--flag=value``, so a value starting with ``-`` is never read as a flag. The token
goes to the command through ``ORCHESTRATE_TOKEN`` rather than ``--token``, so it never appears in a process
list; the ``github-token`` input (default ``github.token``) goes as ``GITHUB_TOKEN``, which the command uses
only to look up the job's display name and id (``agent.commands.github_job``). Reading the environment
happens here and in ``agent.cli``; only ``run()`` passes ``os.environ``.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path, PurePosixPath

CONTAINER_WORKSPACE = Path("/github/workspace")
GLOB_CHARACTERS = frozenset("*?[")
TRUE_WORDS = frozenset({"true", "True", "TRUE"})  # what @actions/core getBooleanInput accepts
FALSE_WORDS = frozenset({"false", "False", "FALSE", ""})
COMPOSITE_HINT = (
    "a Docker action only sees files under the workspace (mounted at /github/workspace); write the "
    "reports inside $GITHUB_WORKSPACE, or use the composite variant (uses: OWNER/orchestrate/composite@v1), "
    "which runs on the host and reads any path"
)


class Kind(StrEnum):
    GLOBS = "globs"  # multi-line patterns, ``!`` excludes; one flag per line
    TEXT = "text"  # one value for one flag
    SWITCH = "switch"  # a boolean input that adds a bare flag when true
    ENV = "env"  # passed to the command as an environment variable, never on the command line
    LOCAL = "local"  # used by this module itself


@dataclass(frozen=True)
class Input:
    """One input of action.yml and what it becomes on the ``orchestrate report`` command line."""

    name: str
    kind: Kind
    target: str = ""  # the flag, or the environment variable for Kind.ENV
    choices: tuple[str, ...] = ()


# Every input of action.yml and composite/action.yml, in their order (tests/packaging holds the files to it).
INPUTS: tuple[Input, ...] = (
    Input("junit", Kind.GLOBS, "--junit"),
    Input("coverage", Kind.GLOBS, "--coverage"),
    Input("artifacts", Kind.GLOBS, "--artifact"),
    Input("hub-url", Kind.TEXT, "--hub"),
    Input("token", Kind.ENV, "ORCHESTRATE_TOKEN"),
    Input("project", Kind.TEXT, "--project"),
    Input("job-name", Kind.TEXT, "--job-name"),
    Input("github-token", Kind.ENV, "GITHUB_TOKEN"),
    Input("fail-on", Kind.TEXT, "--fail-on", choices=("never", "failures", "errors", "unquarantined")),
    Input("strict", Kind.SWITCH, "--strict"),
    Input("working-directory", Kind.LOCAL),
)


class InputError(ValueError):
    """An input the action cannot use; the message names the input."""


@dataclass(frozen=True)
class Command:
    """What to run: ``orchestrate`` arguments, extra environment, the directory to run in, and the input
    patterns that were dropped because the container cannot see them (each with its reason)."""

    argv: list[str]
    env: dict[str, str]
    workdir: Path
    dropped: list[str] = field(default_factory=list)


def read_input(env: Mapping[str, str], name: str) -> str:
    """The input as the runner passes it (``INPUT_HUB-URL``) or as the composite step does
    (``INPUT_HUB_URL``)."""
    runner_name = "INPUT_" + name.replace(" ", "_").upper()
    value = env.get(runner_name)
    if value is None:
        value = env.get(runner_name.replace("-", "_"), "")
    return value.strip()


def input_lines(value: str) -> list[str]:
    """Multi-line input: one pattern a line; blank lines are ignored."""
    return [line.strip() for line in value.splitlines() if line.strip()]


def read_switch(env: Mapping[str, str], name: str) -> bool:
    value = read_input(env, name)
    if value in TRUE_WORDS:
        return True
    if value in FALSE_WORDS:
        return False
    raise InputError(f"input {name}: {value!r} is not a boolean (use true or false)")


@dataclass(frozen=True)
class PathTranslator:
    """Moves absolute host paths under the container workspace, when it can tell where they point.

    ``host_workspace`` is the job's workspace on the host (``$RUNNER_WORKSPACE/<repository name>``), or None
    when the environment does not say; ``container_workspace`` is where the container sees it.
    """

    container_workspace: Path
    host_workspace: PurePosixPath | None = None

    def translate(self, pattern: str) -> str:
        """The pattern as the container sees it; raises InputError when it points outside the workspace."""
        path = PurePosixPath(pattern)
        if not path.is_absolute():
            return pattern
        inside = PurePosixPath(self.container_workspace)
        if path.is_relative_to(inside):
            return pattern
        if self.host_workspace is not None and path.is_relative_to(self.host_workspace):
            return str(inside / path.relative_to(self.host_workspace))
        tail = self._existing_tail(path)
        if tail is not None:
            return str(inside / tail)
        raise InputError(f"{pattern}: this path is outside the workspace; {COMPOSITE_HINT}")

    def _existing_tail(self, path: PurePosixPath) -> PurePosixPath | None:
        """The longest tail of ``path`` whose fixed part (the parts before the first glob character) exists
        under the container workspace. A tail has two parts at least, so a lone file name (``/tmp/x.xml``)
        never matches a workspace file of the same name by chance."""
        parts = path.parts[1:]
        fixed = next((i for i, part in enumerate(parts) if GLOB_CHARACTERS & set(part)), len(parts))
        fixed_needed = 1 if fixed < len(parts) else 2
        for start in range(fixed - fixed_needed + 1):
            if self.container_workspace.joinpath(*parts[start:fixed]).exists():
                return PurePosixPath(*parts[start:])
        return None


def host_workspace(env: Mapping[str, str]) -> PurePosixPath | None:
    """The workspace's host path: the runner keeps ``RUNNER_WORKSPACE`` (``/home/runner/work/<repo>``) as
    the host's, and the workspace is the repository's name under it."""
    runner_workspace = env.get("RUNNER_WORKSPACE", "").strip()
    repository = env.get("GITHUB_REPOSITORY", "").strip()
    if not runner_workspace.startswith("/") or "/" not in repository:
        return None
    return PurePosixPath(runner_workspace) / repository.split("/", 1)[1]


def build_command(env: Mapping[str, str], container_workspace: Path = CONTAINER_WORKSPACE) -> Command:
    """The ``orchestrate report`` invocation for these inputs; raises InputError for an unusable input."""
    workspace = Path(env.get("GITHUB_WORKSPACE", "").strip() or ".")
    in_container = workspace == container_workspace
    translator = PathTranslator(container_workspace, host_workspace(env) if in_container else None)

    workdir = workspace
    requested = read_input(env, "working-directory")
    if requested:
        try:
            workdir = workspace / (translator.translate(requested) if in_container else requested)
        except InputError as problem:
            raise InputError(f"input working-directory: {problem}") from None
    if not workdir.is_dir():
        raise InputError(f"input working-directory: {requested!r} is not a directory in the workspace")

    argv = ["report"]
    extra_env: dict[str, str] = {}
    dropped: list[str] = []
    for spec in INPUTS:
        value = read_input(env, spec.name)
        if spec.kind is Kind.GLOBS:
            for line in input_lines(value):
                pattern, problem = _translated(line, translator, in_container)
                if problem:
                    dropped.append(f"input {spec.name}: {problem}")
                else:
                    argv.append(f"{spec.target}={pattern}")
        elif spec.kind is Kind.TEXT and value:
            if spec.choices and value not in spec.choices:
                raise InputError(f"input {spec.name}: {value!r} is not one of {', '.join(spec.choices)}")
            argv.append(f"{spec.target}={value}")
        elif spec.kind is Kind.SWITCH and read_switch(env, spec.name):
            argv.append(spec.target)
        elif spec.kind is Kind.ENV and value:
            extra_env[spec.target] = value
    if not any(arg.startswith("--junit=") for arg in argv):
        reason = "; ".join(dropped) if dropped else "it is empty"
        raise InputError(f"input junit: no usable pattern ({reason})")
    return Command(argv=argv, env=extra_env, workdir=workdir, dropped=dropped)


def _translated(line: str, translator: PathTranslator, in_container: bool) -> tuple[str, str | None]:
    """A pattern line (``!`` kept before an exclude) as the container sees it, or why it cannot."""
    if not in_container:
        return line, None
    negate = "!" if line.startswith("!") else ""
    try:
        return negate + translator.translate(line.removeprefix("!")), None
    except InputError as problem:
        return line, str(problem)


def escape_data(text: str) -> str:
    """Workflow-command escaping for a message (``%``, CR and LF)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def main(env: Mapping[str, str], container_workspace: Path = CONTAINER_WORKSPACE) -> int:
    """Run ``orchestrate report`` for the action's inputs and return its exit status.

    A dropped pattern is an error annotation, not a failed step: reporting must not break a build by
    default; with ``strict: true`` it fails the step. An input that leaves nothing to run is a usage error.
    """
    from agent.cli import ExitStatus
    from agent.cli import main as cli_main

    try:
        command = build_command(env, container_workspace)
    except InputError as problem:
        print(f"::error title=Orchestrate action::{escape_data(str(problem))}", flush=True)
        return ExitStatus.USAGE
    for problem in command.dropped:
        print(f"::error title=Orchestrate action::{escape_data(problem)}", flush=True)
    os.chdir(command.workdir)
    status = cli_main(command.argv, {**env, **command.env})
    if command.dropped and "--strict" in command.argv and status == ExitStatus.OK:
        return ExitStatus.USAGE
    return status


def run(argv: Sequence[str] | None = None) -> None:
    """``python -m agent.action``: the Docker action's ENTRYPOINT; the only caller that passes os.environ."""
    del argv  # the action takes its inputs from the environment only
    sys.exit(main(os.environ))


if __name__ == "__main__":
    run()
