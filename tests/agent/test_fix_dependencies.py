"""The missing-dependency fixers: the import name mapped to its distribution and added to the manifest the
repository uses, layout kept; npm packages added to package.json."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

from agent.fix.fixers import npm_dependency, python_dependency
from agent.fix.fixers.base import Workspace
from agent.fix.model import Candidate, Finding, Refusal
from agent.fix.repo import detect

from .fix_repos import ENV, make_repo

MISSING_YAML = Finding("log", "import", "ModuleNotFoundError: No module named 'yaml'", "job test")


def proposals(root: Path, finding: Finding, fixer=python_dependency) -> list[Candidate | Refusal]:
    return list(fixer.propose(0, finding, Workspace(detect(root), ENV)))


def only_edit(root: Path, finding: Finding = MISSING_YAML, fixer=python_dependency) -> tuple[str, str]:
    (candidate,) = proposals(root, finding, fixer)
    assert isinstance(candidate, Candidate), candidate
    (edit,) = candidate.edits
    return edit.path, edit.text


def test_a_requirements_file_gets_the_distribution_on_a_new_line(tmp_path: Path) -> None:
    root = make_repo(tmp_path, {"requirements.txt": "requests==2.32.0\n# pinned\n"})

    assert only_edit(root) == ("requirements.txt", "requests==2.32.0\n# pinned\nPyYAML\n")


def test_a_requirements_file_without_a_final_newline_gets_one(tmp_path: Path) -> None:
    root = make_repo(tmp_path, {"requirements-dev.txt": "pytest"})

    assert only_edit(root) == ("requirements-dev.txt", "pytest\nPyYAML\n")


def test_pyproject_project_dependencies_gain_one_line_in_their_style(tmp_path: Path) -> None:
    text = (
        '[project]\nname = "x"\ndependencies = [\n    "requests>=2",  # http\n    "click"\n]\n\n[tool.ruff]\n'
    )
    root = make_repo(tmp_path, {"pyproject.toml": text})

    path, edited = only_edit(root)

    assert path == "pyproject.toml"
    assert edited == text.replace('"click"\n]', '"click",\n    "PyYAML",\n]')
    assert tomllib.loads(edited)["project"]["dependencies"] == ["requests>=2", "click", "PyYAML"]


def test_an_inline_dependency_list_stays_inline(tmp_path: Path) -> None:
    root = make_repo(tmp_path, {"pyproject.toml": '[project]\nname = "x"\ndependencies = ["click"]\n'})

    assert only_edit(root)[1] == '[project]\nname = "x"\ndependencies = ["click", "PyYAML"]\n'


def test_poetry_dependencies_gain_a_table_entry(tmp_path: Path) -> None:
    text = (
        '[tool.poetry]\nname = "x"\n\n[tool.poetry.dependencies]\npython = "^3.11"\nclick = "^8"\n\n'
        "[build-system]\n"
    )
    root = make_repo(tmp_path, {"pyproject.toml": text})

    assert only_edit(root)[1] == text.replace('click = "^8"\n', 'click = "^8"\nPyYAML = "*"\n')


def test_import_names_that_differ_from_their_distribution_come_from_the_table(tmp_path: Path) -> None:
    root = make_repo(tmp_path, {"requirements.txt": ""})
    finding = Finding(
        "junit", "import", "E   ModuleNotFoundError: No module named 'sklearn.linear_model'", "t"
    )

    assert only_edit(root, finding)[1] == "scikit-learn\n"


def test_installed_packages_metadata_maps_names_the_table_lacks(tmp_path: Path) -> None:
    root = make_repo(tmp_path, {"requirements.txt": ""})
    finding = Finding("log", "import", "No module named 'rest_framework'", "job")

    (candidate,) = proposals(root, finding)

    assert candidate.edits[0].text == "djangorestframework\n"
    assert candidate.confidence == python_dependency.FROM_METADATA


def test_an_import_no_distribution_is_known_for_is_refused_not_guessed(tmp_path: Path) -> None:
    root = make_repo(tmp_path, {"requirements.txt": ""})
    finding = Finding("log", "import", "No module named 'zz_no_such_thing'", "job")

    (refusal,) = proposals(root, finding)

    assert isinstance(refusal, Refusal)
    assert "no known distribution provides 'zz_no_such_thing'" in refusal.reason


def test_a_dependency_already_declared_is_an_install_problem_not_a_manifest_one(tmp_path: Path) -> None:
    root = make_repo(tmp_path, {"requirements.txt": "pyyaml>=6\n"})

    (refusal,) = proposals(root, MISSING_YAML)

    assert "already in requirements.txt" in refusal.reason


def test_a_module_of_the_tree_or_of_the_standard_library_is_not_a_dependency(tmp_path: Path) -> None:
    root = make_repo(tmp_path, {"requirements.txt": "", "app/__init__.py": ""})
    local = Finding("log", "import", "No module named 'app.old'", "job")
    stdlib = Finding("log", "import", "No module named 'tomllib'", "job")

    assert proposals(root, local) == []
    assert proposals(root, stdlib) == []


def test_a_missing_npm_package_is_added_at_its_installed_version(tmp_path: Path) -> None:
    package = {"name": "web", "dependencies": {"express": "^4.0.0", "react": "^18.0.0"}}
    root = make_repo(tmp_path, {"package.json": json.dumps(package, indent=2) + "\n"})
    (root / "node_modules" / "lodash").mkdir(parents=True)
    (root / "node_modules" / "lodash" / "package.json").write_text('{"version": "4.17.21"}')
    finding = Finding("log", "import", "Error: Cannot find module 'lodash/fp'\nRequire stack:", "job")

    (candidate,) = proposals(root, finding, npm_dependency)

    assert json.loads(candidate.edits[0].text)["dependencies"] == {
        "express": "^4.0.0",
        "lodash": "^4.17.21",
        "react": "^18.0.0",
    }
    assert candidate.confidence == npm_dependency.INSTALLED


def test_an_npm_package_not_installed_gets_a_star_below_the_default_threshold(tmp_path: Path) -> None:
    root = make_repo(tmp_path, {"package.json": '{\n  "name": "web"\n}\n'})
    finding = Finding(
        "log", "import", "Module not found: Error: Can't resolve '@scope/ui/button' in '/src'", "j"
    )

    (candidate,) = proposals(root, finding, npm_dependency)

    assert (
        candidate.edits[0].text == '{\n  "name": "web",\n  "dependencies": {\n    "@scope/ui": "*"\n  }\n}\n'
    )
    assert candidate.confidence < 0.8


def test_relative_imports_and_node_builtins_are_not_packages() -> None:
    assert npm_dependency.package_name("./util") is None
    assert npm_dependency.package_name("node:fs") is None
    assert npm_dependency.package_name("fs/promises") is None
    assert npm_dependency.package_name("@scope/pkg/deep") == "@scope/pkg"


def test_a_package_json_not_laid_out_as_json_stringify_would_is_left_alone(tmp_path: Path) -> None:
    root = make_repo(tmp_path, {"package.json": '{"name": "web",   "dependencies": {}}\n'})
    finding = Finding("log", "import", "Cannot find module 'lodash'", "job")

    (refusal,) = proposals(root, finding, npm_dependency)

    assert "add lodash by hand" in refusal.reason


def test_an_import_message_in_a_log_that_failed_for_another_reason_is_not_acted_on(tmp_path: Path) -> None:
    root = make_repo(tmp_path, {"requirements.txt": ""})
    lint = Finding("log", "lint", "warning: No module named 'yaml'\napp.py:1:1: F401 unused", "job lint")

    assert proposals(root, lint) == []
