"""The broken repositories ``fix_quality.py`` builds, and what each failure's evidence says.

Each case is a small repository (files), the evidence a CI would hold (a log, produced by running the real
tool on the repository where the tool is installed, or a JUnit file, or a hub context served over HTTP),
the flags to run ``orchestrate fix`` with, and either ``judge`` (a check of the fixed tree that does not use
the fixer's code, from ``_fix_judges``) or ``refuse`` (the fixer must refuse and write nothing).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from _fix_judges import (
    command_passes,
    declares,
    npm_declares,
    parses_with_one_line_changed,
    run,
    same_meaning_and,
    same_output_and,
)

RUFF = '[tool.ruff]\nline-length = 100\n[tool.ruff.lint]\nselect = ["E", "F", "I"]\n'
APP = "import sys\nimport os\ndef main( ):\n    print( 'hello',sys.argv[0][:0] )\nmain()\n"


@dataclass(frozen=True)
class Case:
    name: str
    kind: str  # what is fixed (or refused): "formatter", "lint autofix", "dependency", ...
    files: dict[str, str]
    evidence: Callable[[Path, Path], list[str]]  # (repo, scratch dir) -> flags naming the evidence
    tools: tuple[str, ...] = ()  # programs the case needs; missing ones skip it
    flags: tuple[str, ...] = ()
    judge: Callable[[Path, dict[str, str]], bool] | None = None  # (fixed repo, original files) -> right?
    refuse: bool = False
    context: dict | None = None  # a hub context served at /api/v1/runs/1/context


def log_of(*argv: str) -> Callable[[Path, Path], list[str]]:
    """Evidence: the log of ``argv`` run on the broken repository (the CI step that failed)."""

    def write(root: Path, scratch: Path) -> list[str]:
        result = run(root, *argv)
        log = scratch / "ci.log"
        log.write_text(
            f"$ {' '.join(argv)}\n{result.stdout}{result.stderr}\n"
            "Error: Process completed with exit code 1.\n"
        )
        return ["--log", str(log)]

    return write


def text_log(text: str) -> Callable[[Path, Path], list[str]]:
    def write(_root: Path, scratch: Path) -> list[str]:
        (scratch / "ci.log").write_text(text)
        return ["--log", str(scratch / "ci.log")]

    return write


def junit(message: str, failure_type: str) -> Callable[[Path, Path], list[str]]:
    def write(_root: Path, scratch: Path) -> list[str]:
        (scratch / "junit.xml").write_text(
            '<testsuite name="tests"><testcase classname="tests.test_app" name="test_it">'
            f'<failure message="{message}" type="{failure_type}">{message}</failure></testcase></testsuite>'
        )
        return ["--junit", str(scratch / "junit.xml")]

    return write


def from_hub(_root: Path, _scratch: Path) -> list[str]:
    return ["--run", "1"]


MOVED = {
    "pyproject.toml": '[tool.pytest.ini_options]\npythonpath = ["."]\n',
    ".orchestrate.yml": "fix:\n  commands: [python]\n",
    "shop/__init__.py": "",
    "shop/billing/__init__.py": "",
    "shop/billing/prices.py": "RATE = 2\n\n\ndef total(items):\n    return sum(items) * RATE\n",
    "tests/__init__.py": "",
    "tests/test_total.py": "from shop.pricing import RATE, total\n\n\n"
    "def test_total():\n    assert total([1]) == RATE\n",
}
PYTEST = (sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider")
MISSING_YAML = (
    'Traceback (most recent call last):\n  File "app.py", line 1\n'
    "ModuleNotFoundError: No module named 'yaml'\n"
)
MISSING_SKLEARN = "E   ModuleNotFoundError: No module named 'sklearn.linear_model'\n"
FLAKY = {
    "state": "flaky",
    "since": "2026-11-01T00:00:00Z",
    "score": 0.3,
    "evidence": ["passed on retry 4 times"],
}


def cases() -> list[Case]:
    fix = [
        Case(
            "ruff format",
            "formatter",
            {"pyproject.toml": RUFF, "app.py": APP},
            log_of("ruff", "format", "--no-cache", "--check", "."),
            ("ruff",),
            judge=same_meaning_and("ruff", "format", "--no-cache", "--check", "."),
        ),
        Case(
            "black",
            "formatter",
            {"pyproject.toml": "[tool.black]\n", "app.py": APP},
            log_of("black", "--check", "."),
            ("black",),
            judge=same_meaning_and("black", "--check", "."),
        ),
        Case(
            "isort",
            "formatter",
            {"pyproject.toml": "[tool.isort]\n", "app.py": APP},
            log_of("isort", "--check-only", "."),
            ("isort",),
            judge=same_meaning_and("isort", "--check-only", ".", reorders=True),
        ),
        Case(
            "prettier",
            "formatter",
            {".prettierrc.json": "{}\n", "app.js": "const a = {b:1}\n"},
            log_of("prettier", "--check", "."),
            ("prettier",),
            judge=command_passes("prettier", "--check", "."),
        ),
        Case(
            "gofmt",
            "formatter",
            {"go.mod": "module example.com/x\n\ngo 1.21\n", "main.go": "package main\nfunc main(){\n}\n"},
            text_log("main.go\nmain.go:2:1: File is not `gofmt`-ed with `-s` (gofmt)\n"),
            ("gofmt",),
            judge=lambda root, _o: run(root, "gofmt", "-l", ".").stdout == "",
        ),
        Case(
            "ruff check --fix",
            "lint autofix",
            {"pyproject.toml": RUFF, "app.py": APP},
            log_of("ruff", "check", "--no-cache", "."),
            ("ruff",),
            judge=same_output_and("ruff", "check", "--no-cache", "."),
        ),
        Case(
            "eslint --fix",
            "lint autofix",
            {
                "eslint.config.js": 'export default [{rules: {"prefer-const": "error"}}];\n',
                "package.json": '{\n  "type": "module"\n}\n',
                "app.js": "let a = 1;\nconsole.log(a);\n",
            },
            log_of("eslint", "."),
            ("eslint",),
            judge=command_passes("eslint", "."),
        ),
        Case(
            "requirements.txt",
            "dependency",
            {"requirements.txt": "requests==2.32.3\n", "app.py": "import yaml\n"},
            text_log(MISSING_YAML),
            judge=declares("requirements.txt", "requirements", "PyYAML"),
        ),
        Case(
            "pyproject [project]",
            "dependency",
            {
                "pyproject.toml": '[project]\nname = "x"\nversion = "1"\n'
                'dependencies = [\n    "requests",\n]\n'
            },
            junit(MISSING_SKLEARN.strip(), "ModuleNotFoundError"),
            judge=declares("pyproject.toml", "project", "scikit-learn"),
        ),
        Case(
            "poetry",
            "dependency",
            {"pyproject.toml": '[tool.poetry]\nname = "x"\n\n[tool.poetry.dependencies]\npython = "^3.11"\n'},
            text_log(MISSING_YAML),
            judge=declares("pyproject.toml", "poetry", "PyYAML"),
        ),
        Case(
            "package.json",
            "dependency",
            {
                "package.json": json.dumps({"name": "web", "dependencies": {"express": "^4.19.2"}}, indent=2)
                + "\n",
                "node_modules/lodash/package.json": '{"name": "lodash", "version": "4.17.21"}\n',
                ".gitignore": "node_modules/\n",
            },
            text_log(
                "node:internal/modules/cjs/loader:1228\nError: Cannot find module 'lodash'\nRequire stack:\n"
            ),
            judge=npm_declares("lodash", "^4.17.21"),
        ),
        Case(
            "moved import",
            "moved import",
            MOVED,
            junit("ModuleNotFoundError: No module named 'shop.pricing'", "ModuleNotFoundError"),
            flags=("--command", " ".join(PYTEST)),
            judge=command_passes(*PYTEST),
        ),
        Case(
            "syntax: missing colon",
            "syntax",
            {"calc.py": "def big(n)\n    return n > 10\n"},
            text_log(
                '  File "/home/runner/work/x/x/calc.py", line 1\n    def big(n)\n'
                "              ^\nSyntaxError: expected ':'\n"
            ),
            judge=parses_with_one_line_changed("calc.py"),
        ),
    ]
    refuse = [
        Case(
            "a real assertion failure",
            "refusal",
            {"pyproject.toml": RUFF, "app.py": "x = 1\n"},
            junit("AssertionError: assert 2 == 3", "AssertionError"),
            refuse=True,
        ),
        Case(
            "a change outside the allowlist",
            "refusal",
            {"pyproject.toml": RUFF, "app.py": APP, ".orchestrate.yml": "fix:\n  paths: ['src/**']\n"},
            log_of("ruff", "format", "--no-cache", "--check", "."),
            ("ruff",),
            refuse=True,
        ),
        Case(
            "a CI workflow file",
            "refusal",
            {"pyproject.toml": RUFF, ".circleci/notify.py": APP},
            log_of("ruff", "format", "--no-cache", "--check", "."),
            ("ruff",),
            refuse=True,
        ),
        Case(
            "a flaky test",
            "refusal",
            {"pyproject.toml": RUFF, "app.py": APP},
            from_hub,
            ("ruff",),
            refuse=True,
            context={
                "run": {"id": 1, "url": "https://ci.example/runs/1"},
                "jobs": [],
                "failures": [
                    {
                        "test": {"name": "test_app"},
                        "category": "lint",
                        "classification": "flaky",
                        "flaky": FLAKY,
                        "attempts": [{"message": "Would reformat: app.py", "trace": "", "output": ""}],
                        "reproduce": None,
                    }
                ],
            },
        ),
        Case(
            "an import no distribution is known for",
            "refusal",
            {"requirements.txt": "requests\n"},
            text_log("ModuleNotFoundError: No module named 'zz_internal_sdk'\n"),
            refuse=True,
        ),
        Case(
            "a syntax error no one-line repair proves",
            "refusal",
            {"calc.py": "def f(:\n    return 1 +\n"},
            text_log('  File "calc.py", line 1\nSyntaxError: invalid syntax\n'),
            refuse=True,
        ),
    ]
    return fix + refuse
