"""A missing Python dependency, added to the manifest the repository uses.

Evidence: ``No module named 'X'`` where X is neither part of the tree (that is ``moved_import``'s case)
nor of the standard library. The import name becomes a distribution by ``IMPORT_NAMES`` (names that
differ, where a guess would be wrong) and then by the installed packages' metadata
(``importlib.metadata.packages_distributions``); a name neither knows is refused, not guessed.

Manifests, the first the repository has: Poetry's ``[tool.poetry.dependencies]``, ``[project]
dependencies`` in pyproject.toml, ``requirements.txt``, another ``requirements*.txt``. The edit is
textual, so comments and layout stay; it is kept only when the manifest, parsed again, differs from the
original by exactly the added dependency. Confidence 0.9 from the table, 0.85 from metadata.
"""

from __future__ import annotations

import re
import sys
import tomllib

from agent.fix.fixers.base import Proposals, Workspace
from agent.fix.model import Candidate, Edit, Finding, Refusal

IMPORT_NAMES = {
    "yaml": "PyYAML", "cv2": "opencv-python", "sklearn": "scikit-learn", "PIL": "Pillow",
    "bs4": "beautifulsoup4", "dateutil": "python-dateutil", "dotenv": "python-dotenv", "jwt": "PyJWT",
    "magic": "python-magic", "serial": "pyserial", "usb": "pyusb", "Crypto": "pycryptodome",
    "OpenSSL": "pyOpenSSL", "attr": "attrs", "google.protobuf": "protobuf", "docx": "python-docx",
    "pptx": "python-pptx", "git": "GitPython", "skimage": "scikit-image", "MySQLdb": "mysqlclient",
    "psycopg2": "psycopg2-binary", "zmq": "pyzmq", "gi": "PyGObject", "win32api": "pywin32",
    "slugify": "python-slugify", "multipart": "python-multipart", "ldap": "python-ldap",
    "Levenshtein": "python-Levenshtein", "fitz": "PyMuPDF", "jose": "python-jose", "telegram":
    "python-telegram-bot", "discord": "discord.py", "socks": "PySocks", "markdown": "Markdown",
    "requests": "requests", "numpy": "numpy", "pandas": "pandas", "toml": "toml", "tomli": "tomli",
}  # fmt: skip
FROM_TABLE, FROM_METADATA = 0.9, 0.85
_MISSING = re.compile(r"No module named '([A-Za-z_][\w.]*)'")


def propose(index: int, finding: Finding, workspace: Workspace) -> Proposals:
    if finding.category not in ("import", "dependency"):
        return
    for module in dict.fromkeys(_MISSING.findall(finding.text)):
        top = module.split(".")[0]
        if workspace.local_module(module) or top in sys.stdlib_module_names:
            continue
        yield _propose(index, module, workspace)
        return


def distribution_for(module: str) -> tuple[str, float] | None:
    """The distribution that provides ``module`` and the confidence of the mapping, or None."""
    top = module.split(".")[0]
    for name in (module, top):
        if name in IMPORT_NAMES:
            return IMPORT_NAMES[name], FROM_TABLE
    from importlib.metadata import packages_distributions

    found = packages_distributions().get(top) or []
    return (found[0], FROM_METADATA) if len(set(found)) == 1 else None


def _propose(index: int, module: str, workspace: Workspace) -> Candidate | Refusal:
    subject = f"python-dependency {module}"
    mapped = distribution_for(module)
    if mapped is None:
        return Refusal(
            subject,
            f"no known distribution provides '{module}'; add it to the manifest by hand",
            fixer="python-dependency",
            finding=index,
        )
    dist, confidence = mapped
    manifest = _manifest(workspace)
    if manifest is None:
        return Refusal(
            subject,
            f"no manifest to add {dist} to (pyproject.toml or requirements.txt); add one",
            fixer="python-dependency",
            finding=index,
        )
    path, kind = manifest
    text = workspace.repo.read(path)
    if _normalise(dist) in {_normalise(name) for name in _declared(text, kind)}:
        return Refusal(
            subject,
            f"{dist} is already in {path}; the job did not install it: check its install step",
            fixer="python-dependency",
            finding=index,
        )
    edited = _add(text, kind, dist)
    if edited is None or set(_declared(edited, kind)) - set(_declared(text, kind)) != {dist}:
        return Refusal(
            subject,
            f"cannot add {dist} to {path} without rewriting it; add it by hand",
            fixer="python-dependency",
            finding=index,
        )
    return Candidate(
        fixer="python-dependency",
        finding=index,
        confidence=confidence,
        reason=f"'{module}' is imported but not installed: add its distribution {dist} to {path}",
        edits=(Edit(path, edited),),
    )


def _manifest(workspace: Workspace) -> tuple[str, str] | None:
    pyproject = workspace.repo.pyproject
    poetry = pyproject.get("tool", {}).get("poetry", {}) if isinstance(pyproject.get("tool"), dict) else {}
    if isinstance(poetry, dict) and isinstance(poetry.get("dependencies"), dict):
        return "pyproject.toml", "poetry"
    if isinstance(pyproject.get("project"), dict) and "dependencies" in pyproject["project"]:
        return "pyproject.toml", "project"
    files = workspace.repo.files
    if "requirements.txt" in files:
        return "requirements.txt", "requirements"
    others = sorted(f for f in files if "/" not in f and re.fullmatch(r"requirements[\w.-]*\.txt", f))
    return (others[0], "requirements") if others else None


def _declared(text: str, kind: str) -> list[str]:
    """The distribution names a manifest's text declares."""
    if kind == "requirements":
        return [m.group(1) for m in re.finditer(r"(?m)^\s*([A-Za-z0-9][A-Za-z0-9._-]*)", text)]
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return []
    if kind == "poetry":
        return [
            n for n in document.get("tool", {}).get("poetry", {}).get("dependencies", {}) if n != "python"
        ]
    names = []
    for spec in document.get("project", {}).get("dependencies", []):
        match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", str(spec))
        names.append(match.group(1) if match else str(spec))
    return names


def _add(text: str, kind: str, dist: str) -> str | None:
    if kind == "requirements":
        return (text if text.endswith("\n") or not text else text + "\n") + f"{dist}\n"
    if kind == "poetry":
        return _add_to_table(text, "tool.poetry.dependencies", f'{dist} = "*"')
    return _add_to_project_list(text, dist)


def _add_to_table(text: str, table: str, line: str) -> str | None:
    lines = text.splitlines(keepends=True)
    header = next((i for i, text in enumerate(lines) if text.strip() == f"[{table}]"), None)
    if header is None:
        return None
    end = next((i for i in range(header + 1, len(lines)) if lines[i].lstrip().startswith("[")), len(lines))
    last = max((i for i in range(header, end) if lines[i].strip()), default=header)
    if not lines[last].endswith("\n"):
        lines[last] += "\n"
    lines.insert(last + 1, line + "\n")
    return "".join(lines)


def _add_to_project_list(text: str, dist: str) -> str | None:
    """``dist`` appended to ``[project]``'s ``dependencies = [...]``, one per line or inline as written."""
    section = re.search(r"(?m)^\[project\]\s*$", text)
    if section is None:
        return None
    start = re.compile(r"(?m)^dependencies\s*=\s*\[").search(text, section.end())
    next_table = re.compile(r"(?m)^\[").search(text, section.end())
    if start is None or (next_table is not None and next_table.start() < start.start()):
        return None
    close = _closing_bracket(text, start.end())
    if close is None:
        return None
    inside = text[start.end() : close]
    if "\n" not in inside:
        body = inside.rstrip().rstrip(",")
        addition = f'{body}, "{dist}"' if body.strip() else f'"{dist}"'
        return text[: start.end()] + addition + text[close:]
    item_lines = [line for line in inside.splitlines() if line.strip() and not line.strip().startswith("#")]
    indent = re.match(r"\s*", item_lines[-1]).group(0) if item_lines else "    "
    before = inside.rstrip(" \t")
    last_item = before.rstrip()
    if last_item and not last_item.endswith((",", "[")) and item_lines:
        before = last_item + "," + before[len(last_item) :]
    if not before.endswith("\n"):
        before += "\n"
    closing_indent = inside[len(inside.rstrip(" \t")) :]
    return text[: start.end()] + before + f'{indent}"{dist}",\n' + closing_indent + text[close:]


def _closing_bracket(text: str, position: int) -> int | None:
    quote = None
    for i in range(position, len(text)):
        char = text[i]
        if quote:
            if char == quote and text[i - 1] != "\\":
                quote = None
        elif char in "\"'":
            quote = char
        elif char == "#":
            newline = text.find("\n", i)
            if newline == -1:
                return None
            return _closing_bracket(text, newline)
        elif char == "]":
            return i
    return None


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()
