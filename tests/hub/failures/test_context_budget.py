"""``hub.failures.context_budget`` and ``context_markdown``: cuts always say what they left out, and the
Markdown stays within its byte budget. Pure functions over plain data: no database."""

from __future__ import annotations

from hub.failures import context_budget as budget
from hub.failures import context_markdown


def test_clipping_characters_says_how_many_were_cut() -> None:
    assert budget.clip_chars("abcdef", 4) == "abcd[... 2 more characters not shown]"


def test_text_within_the_limits_is_left_as_it_is() -> None:
    assert budget.clip_lines("a\nb", 5, 100) == "a\nb"


def test_clipping_lines_keeps_a_third_from_the_start_and_the_rest_from_the_end() -> None:
    text = "\n".join(str(n) for n in range(1, 11))

    assert budget.clip_lines(text, 6, 1000).splitlines() == [
        "1",
        "2",
        "[... 4 lines not shown ...]",
        "7",
        "8",
        "9",
        "10",
    ]


def test_clipping_output_keeps_its_last_lines_and_characters() -> None:
    text = "\n".join(f"line {n}" for n in range(1, 11))

    assert budget.clip_lines(text, 2, 1000, head_share=0) == "[... 8 lines not shown ...]\nline 9\nline 10"
    assert budget.clip_lines("abcdef", 5, 3, head_share=0) == "[3 characters not shown ...]def"


def test_head_lines_keeps_the_first_lines_and_counts_the_rest() -> None:
    assert budget.head_lines("a\nb\nc\nd", 2) == "a\nb\n[... 2 more lines not shown ...]"


def test_fit_takes_items_in_order_while_they_fit() -> None:
    assert budget.fit(["aaaa", "bb", "c"], 8, len) == 2  # 4+1, 2+1: 8; "c" would make 10


def failure(number: int, trace: str) -> dict:
    return {
        "test": {"id": number, "name": f"test_{number}", "classname": "", "suite": "", "file": ""},
        "job": {"id": 1, "name": "unit"},
        "status": "failed",
        "category": None,
        "rule": None,
        "classification": None,
        "cluster": None,
        "attempts": [
            {
                "attempt": 1,
                "status": "failed",
                "duration": 0.1,
                "failure_type": "",
                "message": "m",
                "trace": trace,
                "output": "",
            }
        ],
        "attempts_not_shown": 0,
        "flaky": None,
        "quarantine": None,
        "reproduce": None,
    }


def document(failures: list[dict], not_shown: int = 0) -> dict:
    counts = dict.fromkeys(("tests", "passed", "failed", "errors", "skipped", "flaky"), 0)
    return {
        "run": {
            "id": 7,
            "project": "acme/widgets",
            "provider_run_id": "1001",
            "attempt": 1,
            "workflow": "CI",
            "event": "push",
            "branch": "main",
            "base_branch": "",
            "commit_sha": "a" * 40,
            "pull_request": None,
            "pull_request_url": "",
            "url": "",
            "status": "completed",
            "conclusion": "failure",
            "counts": counts,
        },
        "summary": {
            "failing_tests": len(failures) + not_shown,
            "analysed": 0,
            "by_category": {},
            "by_classification": {},
        },
        "failures": failures,
        "failures_not_shown": not_shown,
        "jobs": [],
        "jobs_not_shown": 0,
        "artifacts": [],
        "artifacts_not_shown": 0,
        "limits": budget.LIMITS,
    }


def test_markdown_beyond_its_budget_counts_the_tests_it_left_out() -> None:
    text = context_markdown.render(document([failure(n, "x" * 5000) for n in range(30)], not_shown=10))

    assert len(text.encode()) <= budget.MAX_BYTES
    shown = text.count("\n### ")
    assert f"**{30 + 10 - shown} more failing tests not shown**" in text
    assert "GET /api/v1/runs/7/failures/" in text


def test_markdown_fences_a_trace_that_holds_backticks_with_a_longer_fence() -> None:
    text = context_markdown.render(document([failure(1, "```\ncode\n```")]))

    assert "````\n```\ncode\n```\n````" in text


def test_markdown_of_a_run_without_failing_tests_says_so() -> None:
    assert "No failing test results were reported for this run." in context_markdown.render(document([]))
