"""The agent runs inside every pipeline without the hub's dependencies: no module under agent/ imports
Django, directly or through anything it imports."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

AGENT = Path(__file__).parents[2] / "agent"


def agent_modules() -> list[str]:
    names = []
    for path in sorted(AGENT.rglob("*.py")):
        parts = path.relative_to(AGENT.parent).with_suffix("").parts
        names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


def test_it_finds_the_agent_modules() -> None:
    assert {"agent.cli", "agent.model", "agent.ci.github"} <= set(agent_modules())


def test_no_agent_module_imports_django() -> None:
    code = (
        "import importlib, json, sys\n"
        f"for name in {agent_modules()!r}:\n"
        "    importlib.import_module(name)\n"
        "print(json.dumps(sorted(m for m in sys.modules if m == 'django' or m.startswith('django.'))))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=AGENT.parent)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == []
