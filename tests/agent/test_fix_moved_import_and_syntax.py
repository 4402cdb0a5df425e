"""The source fixers: an import whose module moved within the tree, and a syntax error a parser proves."""

from __future__ import annotations

import ast
from pathlib import Path

from agent.fix.fixers import moved_import, syntax
from agent.fix.fixers.base import Workspace
from agent.fix.model import Candidate, Finding, Refusal
from agent.fix.repo import detect

from .fix_repos import ENV, make_repo

MOVED = Finding(
    "junit", "import", "ImportError while importing test module\nNo module named 'shop.pricing'", "t"
)
MOVED_TREE = {
    "shop/__init__.py": "",
    "shop/billing/__init__.py": "",
    "shop/billing/prices.py": "RATE = 2\n\n\ndef total(items):\n    return sum(items) * RATE\n",
    "tests/test_total.py": "from shop.pricing import RATE, total  # moved?\n\n\ndef test_total():\n"
    "    assert total([1]) == RATE\n",
    "shop/cli.py": "import sys\nfrom shop.pricing import total as grand_total\n",
}


def proposals(root: Path, finding: Finding, fixer) -> list[Candidate | Refusal]:
    return list(fixer.propose(0, finding, Workspace(detect(root), ENV)))


def test_every_import_of_the_gone_module_points_at_the_one_module_defining_its_names(tmp_path: Path) -> None:
    root = make_repo(tmp_path, MOVED_TREE)

    (candidate,) = proposals(root, MOVED, moved_import)

    assert {edit.path: edit.text for edit in candidate.edits} == {
        "shop/cli.py": "import sys\nfrom shop.billing.prices import total as grand_total\n",
        "tests/test_total.py": MOVED_TREE["tests/test_total.py"].replace(
            "shop.pricing", "shop.billing.prices"
        ),
    }


def test_a_moved_import_is_refused_when_two_modules_define_the_names(tmp_path: Path) -> None:
    root = make_repo(
        tmp_path, {**MOVED_TREE, "shop/legacy.py": "RATE = 1\n\n\ndef total(items):\n    return 0\n"}
    )

    (refusal,) = proposals(root, MOVED, moved_import)

    assert isinstance(refusal, Refusal)
    assert "2 modules (shop.billing.prices, shop.legacy)" in refusal.reason


def test_a_moved_import_is_refused_when_a_file_imports_the_module_itself(tmp_path: Path) -> None:
    root = make_repo(tmp_path, {**MOVED_TREE, "shop/cli.py": "import shop.pricing\n"})

    (refusal,) = proposals(root, MOVED, moved_import)

    assert "import shop.pricing" in refusal.reason


def test_a_module_that_still_exists_did_not_move(tmp_path: Path) -> None:
    root = make_repo(tmp_path, {**MOVED_TREE, "shop/pricing.py": "RATE = 2\n"})

    (refusal,) = proposals(root, MOVED, moved_import)

    assert "still exists" in refusal.reason


SYNTAX_LOG = (
    'Traceback (most recent call last):\n  File "/home/runner/work/app/app/app/calc.py", line 4\n'
    "    if total > 10\n                 ^\nSyntaxError: expected ':'\n"
)


def test_a_missing_colon_is_added_when_only_it_makes_the_file_parse(tmp_path: Path) -> None:
    source = (
        "def check(total):\n    # is it big?\n    x = [1, 2]\n    if total > 10  # big\n        return True\n"
    )
    root = make_repo(tmp_path, {"app/__init__.py": "", "app/calc.py": source})

    (candidate,) = proposals(root, Finding("log", "syntax", SYNTAX_LOG, "job"), syntax)

    (edit,) = candidate.edits
    assert edit.path == "app/calc.py"
    assert edit.text == source.replace("if total > 10  # big", "if total > 10:  # big")
    ast.parse(edit.text)


def test_an_unclosed_call_is_closed_on_its_line(tmp_path: Path) -> None:
    source = "import os\n\nprint(os.path.join('a', 'b')\nvalue = 1\n"
    log = "  File \"tool.py\", line 3\nSyntaxError: '(' was never closed\n"
    root = make_repo(tmp_path, {"tool.py": source})

    (candidate,) = proposals(root, Finding("log", "syntax", log, "job"), syntax)

    assert candidate.edits[0].text == source.replace("'b')\n", "'b'))\n")


def test_a_syntax_error_no_one_line_repair_proves_is_refused(tmp_path: Path) -> None:
    source = "def f(:\n    return 1 +\n"
    root = make_repo(tmp_path, {"tool.py": source})
    log = '  File "tool.py", line 1\nSyntaxError: invalid syntax\n'

    (refusal,) = proposals(root, Finding("log", "syntax", log, "job"), syntax)

    assert isinstance(refusal, Refusal)
    assert "fix it by hand" in refusal.reason


def test_a_file_that_parses_here_is_not_touched(tmp_path: Path) -> None:
    root = make_repo(tmp_path, {"tool.py": "x = 1\n"})
    log = '  File "tool.py", line 1\nSyntaxError: invalid syntax\n'

    (refusal,) = proposals(root, Finding("log", "syntax", log, "job"), syntax)

    assert "parses here" in refusal.reason


def test_a_syntax_error_elsewhere_than_the_evidence_says_is_refused(tmp_path: Path) -> None:
    source = "x = 1\n\n\n\n\n\ndef big(n)\n    return n > 10\n"
    root = make_repo(tmp_path, {"calc.py": source})
    log = '  File "calc.py", line 1\nSyntaxError: invalid syntax\n'

    (refusal,) = proposals(root, Finding("log", "syntax", log, "job"), syntax)

    assert "fails to parse at line 7 here, not near line 1" in refusal.reason
