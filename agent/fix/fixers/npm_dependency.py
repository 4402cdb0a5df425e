"""A missing npm dependency, added to package.json's ``dependencies``.

Evidence: Node's ``Cannot find module 'x'`` / ``Cannot find package 'x'``, webpack's ``Can't resolve
'x'``, Vite's ``Failed to resolve import "x"``, for a bare package name (not a relative path, not a Node
built-in). The version is the one installed in ``node_modules`` (``^1.2.3``, confidence 0.85); with none
installed it is ``*`` (confidence 0.7, under the default threshold: pin it yourself or lower the
threshold). package.json is rewritten only when writing it back unchanged gives the same bytes, so the edit
is the one added line.
"""

from __future__ import annotations

import json
import re
from typing import Any

from agent.fix.fixers.base import Proposals, Workspace
from agent.fix.model import Candidate, Edit, Finding, Refusal

INSTALLED, UNPINNED = 0.85, 0.7
NODE_BUILTINS = frozenset(
    [
        "assert",
        "buffer",
        "child_process",
        "cluster",
        "crypto",
        "dgram",
        "dns",
        "events",
        "fs",
        "http",
        "http2",
        "https",
        "net",
        "os",
        "path",
        "perf_hooks",
        "process",
        "querystring",
        "readline",
        "stream",
        "string_decoder",
        "timers",
        "tls",
        "tty",
        "url",
        "util",
        "v8",
        "vm",
        "worker_threads",
        "zlib",
    ]
)
_MISSING = re.compile(
    r"Cannot find (?:module|package) '([^']+)'|Can't resolve '([^']+)'|Failed to resolve import \"([^\"]+)\""
)


def propose(index: int, finding: Finding, workspace: Workspace) -> Proposals:
    if finding.category not in ("import", "dependency") or workspace.repo.package_json is None:
        return
    for match in _MISSING.finditer(finding.text):
        name = package_name(next(group for group in match.groups() if group))
        if name is not None:
            yield _propose(index, name, workspace)
            return


def package_name(specifier: str) -> str | None:
    """The package a bare import specifier names (``@scope/pkg/sub`` -> ``@scope/pkg``), or None for a
    relative or absolute path and for Node's built-ins."""
    if specifier.startswith((".", "/", "node:")) or specifier.split("/")[0] in NODE_BUILTINS:
        return None
    parts = specifier.split("/")
    name = "/".join(parts[:2]) if specifier.startswith("@") else parts[0]
    return name if re.fullmatch(r"(?:@[a-z0-9][\w.-]*/)?[a-z0-9][\w.-]*", name) else None


def _propose(index: int, name: str, workspace: Workspace) -> Candidate | Refusal:
    subject = f"npm-dependency {name}"
    text = workspace.repo.read("package.json")
    document: dict[str, Any] = json.loads(text)
    declared = {**document.get("dependencies", {}), **document.get("devDependencies", {})}
    if name in declared:
        return Refusal(
            subject,
            f"{name} is already in package.json; the job did not install it: run npm ci",
            fixer="npm-dependency",
            finding=index,
        )
    indent = _indent(text)
    if _dump(document, indent, text) != text:
        return Refusal(
            subject,
            f"package.json is not laid out as JSON.stringify writes it; add {name} by hand",
            fixer="npm-dependency",
            finding=index,
        )
    version = _installed_version(workspace, name)
    dependencies = dict(document.get("dependencies", {}))
    kept_sorted = list(dependencies) == sorted(dependencies)
    dependencies[name] = f"^{version}" if version else "*"
    document["dependencies"] = dict(sorted(dependencies.items())) if kept_sorted else dependencies
    return Candidate(
        fixer="npm-dependency",
        finding=index,
        confidence=INSTALLED if version else UNPINNED,
        reason=f"'{name}' is imported but not declared: add it to package.json's dependencies"
        + (f" at the installed version ^{version}" if version else " (no version installed: '*')"),
        edits=(Edit("package.json", _dump(document, indent, text)),),
    )


def _installed_version(workspace: Workspace, name: str) -> str | None:
    try:
        manifest = json.loads(
            (workspace.repo.root / "node_modules" / name / "package.json").read_text("utf-8")
        )
    except (OSError, ValueError):
        return None
    version = manifest.get("version") if isinstance(manifest, dict) else None
    return version if isinstance(version, str) and re.fullmatch(r"\d+\.\d+\.\d+\S*", version) else None


def _indent(text: str) -> int | str:
    match = re.search(r"\n([ \t]+)\S", text)
    if match is None:
        return 2
    return len(match.group(1)) if match.group(1).strip(" ") == "" else match.group(1)


def _dump(document: dict[str, Any], indent: int | str, original: str) -> str:
    text = json.dumps(document, indent=indent, ensure_ascii=False)
    return text + "\n" if original.endswith("\n") else text
