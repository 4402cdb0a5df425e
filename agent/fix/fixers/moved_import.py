"""An import whose module moved within the tree: ``from pkg.old import A, B`` where ``pkg`` is this
repository's, ``pkg/old.py`` is gone, and exactly one module of the tree defines ``A`` and ``B`` at its top
level. Every ``from pkg.old import ...`` line is pointed at that module; nothing else changes.

Refused when the old module still exists, when a file imports it as ``import pkg.old`` (its uses are
attribute accesses this fixer does not rewrite), when no module or more than one defines the names.
Confidence 0.85.
"""

from __future__ import annotations

import ast
import re

from agent.fix.fixers.base import Proposals, Workspace
from agent.fix.model import Candidate, Edit, Finding, Refusal

CONFIDENCE = 0.85
MAX_FILES = 5000
_MISSING = re.compile(r"No module named '([A-Za-z_][\w.]*)'")


def propose(index: int, finding: Finding, workspace: Workspace) -> Proposals:
    if finding.category != "import":
        return
    for module in dict.fromkeys(_MISSING.findall(finding.text)):
        if "." in module and workspace.local_module(module):
            yield _propose(index, module, workspace)
            return


def _propose(index: int, old: str, workspace: Workspace) -> Candidate | Refusal:
    subject = f"moved-import {old}"

    def refuse(reason: str) -> Refusal:
        return Refusal(subject, reason, fixer="moved-import", finding=index)

    if _module_files(workspace, old) & set(workspace.repo.files):
        return refuse(f"{old} still exists in the tree; the import fails for another reason")
    from_line = re.compile(rf"^(\s*from\s+){re.escape(old)}(\s+import\s+)([^#\n]+?)\s*(#.*)?$", re.M)
    plain = re.compile(rf"^\s*import\s+[^#\n]*\b{re.escape(old)}\b", re.M)
    sources = {path: workspace.repo.read(path) for path in _python_files(workspace)}
    importers = {path: text for path, text in sources.items() if from_line.search(text) or plain.search(text)}
    if not importers:
        return refuse(f"no file in the tree imports {old} with 'from {old} import ...'")
    if any(plain.search(text) for text in importers.values()):
        return refuse(
            f"a file imports {old} as a module ('import {old}'); point its uses at the new module by hand"
        )
    names: set[str] = set()
    for text in importers.values():
        for match in from_line.finditer(text):
            imported = match.group(3)
            if ("(" in imported and ")" not in imported) or "*" in imported:
                return refuse(f"an import of {old} spans lines or uses '*'; fix it by hand")
            names |= {
                part.split(" as ")[0].strip() for part in imported.strip("() ").split(",") if part.strip()
            }
    homes = [
        module
        for path, text in sources.items()
        if names <= _defined(text)
        for module in [_module_name(path)]
        if module and module != old
    ]
    if len(homes) != 1:
        found = "no module" if not homes else f"{len(homes)} modules ({', '.join(sorted(homes)[:5])})"
        return refuse(f"{found} in the tree define {', '.join(sorted(names))}; cannot tell where {old} went")
    new = homes[0]
    edits = tuple(
        Edit(
            path,
            from_line.sub(lambda m: m.group(0).replace(f"{m.group(1)}{old}", f"{m.group(1)}{new}", 1), text),
        )
        for path, text in sorted(importers.items())
    )
    return Candidate(
        fixer="moved-import",
        finding=index,
        confidence=CONFIDENCE,
        reason=f"{old} is gone and {new} is the one module that defines {', '.join(sorted(names))}: "
        f"import from {new} in {len(edits)} file(s)",
        edits=edits,
    )


def _python_files(workspace: Workspace) -> list[str]:
    return [path for path in workspace.repo.files if path.endswith(".py")][:MAX_FILES]


def _module_files(workspace: Workspace, module: str) -> set[str]:
    base = module.replace(".", "/")
    return {f"{root}{base}{suffix}" for root in ("", "src/") for suffix in (".py", "/__init__.py")}


def _module_name(path: str) -> str | None:
    trimmed = path.removeprefix("src/").removesuffix(".py").removesuffix("/__init__")
    parts = trimmed.split("/")
    return ".".join(parts) if all(part.isidentifier() for part in parts) else None


def _defined(text: str) -> set[str]:
    """The names a module's top level defines (functions, classes, assignments)."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return set()
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names |= {target.id for target in node.targets if isinstance(target, ast.Name)}
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
    return names
