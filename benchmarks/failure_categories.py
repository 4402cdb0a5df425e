"""How often the hub names a failed test's category where a person can, over the shared JUnit corpus.

    python benchmarks/failure_categories.py [--rules FILE] [--json FILE] [--strict] [--list]

Every final failed or erroring case in ``../shared/corpus/junit/`` (read with the agent's parser, as the
hub receives it) is categorised with the hub's built-in rules (``agent/diagnosis/rules.yml``, or ``--rules``
to measure another file, such as an older version, for a before/after) and compared with our label in
``benchmarks/_category_labels.py``: the category a person names from the report, or none. Prints:

- unknown where nameable: cases a person can name that the rules leave "unknown", as a share of the
  nameable ones (target < 10%), and as a share of every failed case;
- misnamed: nameable cases the rules put in another category (target 0);
- named where nobody could: cases labelled none that a rule categorises anyway (information).

``--list`` prints each case that counts against a figure. Exit status 2 when the labels and the corpus
disagree (a failed case without a label, a label without its case: relabel after a corpus change), 1
with ``--strict`` when a target is missed. ``tests/hub/failures/test_corpus_categories.py`` runs it.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

from _category_labels import LABELS, NONE
from _table import render

from agent.diagnosis.categories import UNKNOWN, RuleSet, builtin_rules, load_file
from agent.model import ReportParseError
from agent.parsers import read_report

CORPUS = Path(__file__).resolve().parents[1] / ".." / "shared" / "corpus" / "junit"
LABELS_FILE = "benchmarks/_category_labels.py"
TARGET_UNKNOWN_SHARE = 0.10


@dataclass
class Figures:
    """The comparison's counts, and the cases behind each one (``path :: test: label -> category``)."""

    cases: int = 0
    nameable: int = 0
    unknown_where_nameable: list[str] = field(default_factory=list)
    misnamed: list[str] = field(default_factory=list)
    named_where_none: list[str] = field(default_factory=list)
    unlabelled: list[str] = field(default_factory=list)
    by_label: dict[str, int] = field(default_factory=dict)

    @property
    def unknown_share(self) -> float:
        return len(self.unknown_where_nameable) / self.nameable if self.nameable else 0.0

    @property
    def unknown_share_of_all(self) -> float:
        return len(self.unknown_where_nameable) / self.cases if self.cases else 0.0

    def as_dict(self) -> dict:
        return {
            **asdict(self),
            "unknown_share": self.unknown_share,
            "unknown_share_of_all": self.unknown_share_of_all,
        }


def measure(corpus: Path, rules: RuleSet) -> Figures:
    """Compare ``rules``' categories with our labels, case by case, over every report in ``corpus``."""
    figures = Figures()
    labels_seen = set()
    by_label: Counter[str] = Counter()
    for path in sorted(corpus.rglob("*.xml")):
        key = path.relative_to(corpus).as_posix()
        try:
            failed = [case for case in read_report(path) if case.status.is_failure]
        except ReportParseError:
            failed = []  # a malformed report: the hub stores its parse error, not cases
        labels = LABELS.get(key, ())
        labels_seen.add(key)
        if [case.name for case in failed] != [name for name, _ in labels]:
            figures.unlabelled.append(
                f"{key}: failed cases {[c.name for c in failed]} but labels {[n for n, _ in labels]}"
            )
            continue
        for case, (name, label) in zip(failed, labels, strict=True):
            category = rules.categorise(case.message, case.failure_type, case.trace).category
            figures.cases += 1
            by_label[label] += 1
            line = f"{key} :: {name}: {label} -> {category}"
            if label == NONE:
                if category != UNKNOWN:
                    figures.named_where_none.append(line)
                continue
            figures.nameable += 1
            if category == UNKNOWN:
                figures.unknown_where_nameable.append(line)
            elif category != label:
                figures.misnamed.append(line)
    stale = sorted(set(LABELS) - labels_seen)
    figures.unlabelled += [f"{key}: labelled but not in the corpus" for key in stale]
    figures.by_label = dict(sorted(by_label.items()))
    return figures


@dataclass
class Row:
    figure: str
    value: str
    target: str


def table(figures: Figures) -> str:
    unknown = len(figures.unknown_where_nameable)
    rows = [
        Row("failed cases in the corpus", str(figures.cases), ""),
        Row("  of which a person can name", str(figures.nameable), ""),
        Row(
            "unknown where nameable",
            f"{unknown} = {figures.unknown_share:.1%} of nameable, {figures.unknown_share_of_all:.1%} of all",
            f"< {TARGET_UNKNOWN_SHARE:.0%}",
        ),
        Row("misnamed (another category)", str(len(figures.misnamed)), "0"),
        Row("named where nobody could", str(len(figures.named_where_none)), "(information)"),
    ]
    labels = ", ".join(f"{label} {count}" for label, count in figures.by_label.items())
    columns = [("figure", "figure"), ("value", "value"), ("target", "target")]
    return f"{render(rows, columns)}\nlabels: {labels}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS, help="the JUnit corpus (default ../shared)")
    parser.add_argument("--rules", type=Path, help="a rules file to measure instead of the built-in one")
    parser.add_argument("--json", type=Path, help="also write the figures and the cases behind them here")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    parser.add_argument("--list", action="store_true", help="print the cases behind each figure")
    args = parser.parse_args(argv)
    if not args.corpus.is_dir():
        print(f"The shared corpus is not at {args.corpus.resolve()}; pass --corpus.", file=sys.stderr)
        return 2
    rules = load_file(args.rules) if args.rules else builtin_rules()
    figures = measure(args.corpus.resolve(), rules)
    print(f"Failure categories over {args.corpus.resolve()} with {args.rules or 'the built-in rules'}")
    print(table(figures))
    for title, lines in (
        ("unknown where nameable", figures.unknown_where_nameable),
        ("misnamed", figures.misnamed),
        ("named where nobody could", figures.named_where_none),
    ):
        if args.list and lines:
            print(f"\n{title}:\n  " + "\n  ".join(lines))
    if args.json:
        args.json.write_text(json.dumps(figures.as_dict(), indent=2))
    if figures.unlabelled:
        relabel = "\n  ".join(figures.unlabelled)
        print(
            f"\nThe labels no longer match the corpus; relabel in {LABELS_FILE}:\n  {relabel}",
            file=sys.stderr,
        )
        return 2
    missed = figures.unknown_share >= TARGET_UNKNOWN_SHARE or figures.misnamed
    return 1 if args.strict and missed else 0


if __name__ == "__main__":
    sys.exit(main())
