"""``agent.fix.plan``: which proposed fixes are made, and the reason for every refusal. Pure data in, pure
data out."""

from __future__ import annotations

from agent.fix.config import FixConfig
from agent.fix.model import Candidate, Edit, Finding, Refusal
from agent.fix.plan import FLAKY_REASON, decide, refuse_changes, refuse_commands

LINT = Finding("log", "lint", "1 file would be reformatted", "job lint")
FORMAT = Candidate("ruff-format", 0, 0.95, "reformat", commands=(("ruff", "format", "."),), stage=5)
DEFAULTS = FixConfig()


def test_a_sure_allowed_fix_is_planned() -> None:
    decision = decide([LINT], [FORMAT], threshold=0.8, config=DEFAULTS)

    assert decision.planned == (FORMAT,)
    assert decision.refused == ()


def test_a_known_flaky_failure_is_refused_to_be_re_run_not_fixed() -> None:
    flaky = Finding("run", "lint", "would reformat x.py", "test_x", flaky=True)

    decision = decide([flaky], [FORMAT], threshold=0.8, config=DEFAULTS)

    assert decision.planned == ()
    assert decision.refused == (Refusal("test_x", FLAKY_REASON, finding=0),)


def test_a_real_assertion_failure_is_refused_as_not_fixable() -> None:
    failure = Finding("junit", "assertion", "AssertionError: 2 != 3", "test_sum")

    decision = decide([failure], [], threshold=0.8, config=DEFAULTS)

    assert [r.subject for r in decision.refused] == ["test_sum"]
    assert "real assertion failure" in decision.refused[0].reason


def test_a_fix_under_the_threshold_is_refused_with_both_numbers() -> None:
    decision = decide([LINT], [FORMAT], threshold=0.99, config=DEFAULTS)

    assert decision.refused[0].reason == "confidence 0.95 is under the threshold 0.99"


def test_a_command_outside_the_allowlist_is_refused_naming_where_to_allow_it() -> None:
    config = FixConfig(commands=(("black",),), source=".orchestrate.yml")

    decision = decide([LINT], [FORMAT], threshold=0.8, config=config)

    assert decision.planned == ()
    assert "add 'ruff' to fix.commands" in decision.refused[0].reason


def test_an_edit_to_a_workflow_file_needs_explicit_permission() -> None:
    edit = Candidate("syntax", 0, 0.9, "colon", edits=(Edit(".github/workflows/ci.yml", "on: push\n"),))

    refused = decide([LINT], [edit], threshold=0.8, config=DEFAULTS)
    allowed = decide([LINT], [edit], threshold=0.8, config=FixConfig(allow_workflow_files=True))

    assert "fix.allow_workflow_files: true" in refused.refused[0].reason
    assert allowed.planned == (edit,)


def test_an_edit_outside_the_allowed_paths_is_refused() -> None:
    edit = Candidate("python-dependency", 0, 0.9, "add", edits=(Edit("requirements.txt", "PyYAML\n"),))

    decision = decide([LINT], [edit], threshold=0.8, config=FixConfig(paths=("src/**",)))

    assert "outside fix.paths (src/**)" in decision.refused[0].reason


def test_the_same_fix_proposed_for_two_findings_is_made_once() -> None:
    again = Candidate("ruff-format", 1, 0.95, "reformat", commands=FORMAT.commands, stage=5)

    decision = decide([LINT, LINT], [FORMAT, again], threshold=0.8, config=DEFAULTS)

    assert decision.planned == (FORMAT,)


def test_lint_autofixes_run_before_formatters_whatever_the_evidence_order() -> None:
    autofix = Candidate("ruff-fix", 1, 0.9, "fix", commands=(("ruff", "check", "--fix", "."),), stage=1)

    decision = decide([LINT, LINT], [FORMAT, autofix], threshold=0.8, config=DEFAULTS)

    assert [c.fixer for c in decision.planned] == ["ruff-fix", "ruff-format"]


def test_two_fixers_editing_one_file_keep_the_surer() -> None:
    sure = Candidate("python-dependency", 0, 0.9, "add", edits=(Edit("pyproject.toml", "a"),))
    other = Candidate("moved-import", 0, 0.85, "move", edits=(Edit("pyproject.toml", "b"),))

    decision = decide([LINT], [other, sure], threshold=0.8, config=DEFAULTS)

    assert decision.planned == (sure,)
    assert "already changed by python-dependency" in decision.refused[0].reason


def test_a_fixers_own_refusal_is_kept_and_answers_its_finding() -> None:
    missing = Refusal("ruff-format", "ruff is not installed", fixer="ruff-format", finding=0)

    decision = decide([LINT], [], [missing], threshold=0.8, config=DEFAULTS)

    assert decision.refused == (missing,)


def test_changed_paths_are_judged_against_the_allowlist_after_the_fact() -> None:
    refused = refuse_changes(
        ["src/app.py", "setup.py", ".gitlab-ci.yml"], FixConfig(paths=("src/**", "*.yml"))
    )

    assert [r.subject for r in refused] == [".gitlab-ci.yml", "setup.py"]


def test_validation_commands_must_be_allowed_too() -> None:
    config = FixConfig(commands=(("ruff",),), checks=("pytest -q tests",))

    refused = refuse_commands([("ruff", "check", "."), ("pytest", "-q", "tests"), ("make", "test")], config)

    assert [r.subject for r in refused] == ["make test"]
