"""Coverage reports reduced to line and branch counts, overall and per file."""

from __future__ import annotations

from agent.model import FileCoverage
from agent.parsers import read_coverage


def cobertura(classes: str, root: str = "") -> str:
    return (
        f'<?xml version="1.0"?><coverage {root}><packages><package name="p">'
        f"<classes>{classes}</classes></package></packages></coverage>"
    )


def test_it_counts_cobertura_lines_and_branches_per_file(report_file) -> None:
    path = report_file(
        cobertura(
            '<class name="a" filename="a.py"><lines><line number="1" hits="3"/><line number="2" hits="0"/>'
            '<line number="3" hits="1" branch="true" condition-coverage="50% (1/2)"/></lines></class>'
        )
    )

    coverage = read_coverage(path)

    assert coverage.format == "cobertura"
    assert coverage.files == (FileCoverage("a.py", 2, 3, 1, 2),)
    assert (coverage.lines_covered, coverage.lines_valid) == (2, 3)
    assert coverage.line_rate == 2 / 3


def test_it_merges_the_classes_of_one_file(report_file) -> None:
    path = report_file(
        cobertura(
            '<class name="A" filename="A.java"><lines><line number="1" hits="1"/></lines></class>'
            '<class name="A$Inner" filename="A.java"><lines><line number="5" hits="0"/>'
            '<line number="1" hits="0"/></lines></class>'
        )
    )

    assert read_coverage(path).files == (FileCoverage("A.java", 1, 2),)


def test_it_does_not_count_method_lines_twice(report_file) -> None:
    path = report_file(
        cobertura(
            '<class name="a" filename="a.py"><methods><method name="f"><lines><line number="1" hits="1"/>'
            '</lines></method></methods><lines><line number="1" hits="1"/><line number="2" hits="0"/>'
            "</lines></class>"
        )
    )

    assert read_coverage(path).files == (FileCoverage("a.py", 1, 2),)


def test_it_uses_the_root_totals_of_a_summary_only_cobertura_report(report_file) -> None:
    path = report_file(cobertura('<class name="a" filename="a.py"/>', 'lines-valid="8" lines-covered="7"'))

    coverage = read_coverage(path)

    assert (coverage.lines_covered, coverage.lines_valid) == (7, 8)


def test_it_counts_lcov_lines_and_branches_per_file(report_file) -> None:
    path = report_file(
        "TN:\nSF:src/a.c\nDA:1,5\nDA:2,0\nBRDA:1,0,0,2\nBRDA:1,0,1,-\nLF:2\nLH:1\nend_of_record\n", "a.info"
    )

    coverage = read_coverage(path)

    assert coverage.format == "lcov"
    assert coverage.files == (FileCoverage("src/a.c", 1, 2, 1, 2),)
    assert coverage.branch_rate == 0.5


def test_it_merges_lcov_records_for_the_same_file(report_file) -> None:
    path = report_file("SF:a.c\nDA:1,0\nDA:2,0\nend_of_record\nSF:a.c\nDA:1,4\nend_of_record\n", "a.info")

    assert read_coverage(path).files == (FileCoverage("a.c", 1, 2),)


def test_it_falls_back_on_lcov_summaries_without_line_records(report_file) -> None:
    path = report_file("SF:a.c\nLF:10\nLH:4\nBRF:2\nBRH:1\nend_of_record\n", "a.info")

    assert read_coverage(path).files == (FileCoverage("a.c", 4, 10, 1, 2),)
