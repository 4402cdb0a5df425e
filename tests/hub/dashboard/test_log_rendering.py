"""The log viewer's pure parts: ANSI colours as escaped HTML, CI section markers as folds, pages and
search over a log's lines."""

from __future__ import annotations

from hub.dashboard.logs import ansi, pages, sections

ESC = "\x1b"


def test_text_is_escaped_before_it_is_coloured():
    html, _ = ansi.to_html(f"{ESC}[31m<script>alert(1)</script>{ESC}[0m & done")

    assert html == '<span class="ansi-fg-1">&lt;script&gt;alert(1)&lt;/script&gt;</span> &amp; done'


def test_bold_bright_and_background_colours_become_classes():
    html, _ = ansi.to_html(f"{ESC}[1;92;44mok")

    assert html == '<span class="ansi-fg-10 ansi-bg-4 ansi-bold">ok</span>'


def test_a_colour_carries_to_the_next_line_until_reset():
    _, style = ansi.to_html(f"{ESC}[33mwarning starts")
    html, style = ansi.to_html("still yellow", style)
    reset, _ = ansi.to_html(f"{ESC}[0mplain", style)

    assert html == '<span class="ansi-fg-3">still yellow</span>'
    assert reset == "plain"


def test_256_colours_in_the_first_sixteen_are_kept_and_others_leave_the_colour_unset():
    low, _ = ansi.to_html(f"{ESC}[38;5;9mred")
    high, _ = ansi.to_html(f"{ESC}[38;5;208morange{ESC}[38;2;1;2;3mrgb")

    assert low == '<span class="ansi-fg-9">red</span>'
    assert high == "orangergb"


def test_cursor_and_erase_sequences_are_dropped():
    assert ansi.strip(f"{ESC}[0K{ESC}[2Adone{ESC}]0;title\x07") == "done"


def test_github_groups_become_folds_with_their_titles():
    lines = [
        "2024-01-01T00:00:00.0Z ##[group]Run pip install",
        "2024-01-01T00:00:01.0Z Collecting widgets",
        "2024-01-01T00:00:02.0Z ##[endgroup]",
        "2024-01-01T00:00:03.0Z ##[error]Process completed with exit code 1.",
    ]

    assert sections.outline(lines) == [sections.Fold(1, 3, "Run pip install", True)]


def test_gitlab_sections_become_folds_titled_by_their_header_and_keep_collapsed():
    lines = [
        f"{ESC}[0Ksection_start:1560896352:install[collapsed=true]\r{ESC}[0K{ESC}[36;1mInstalling{ESC}[0;m",
        "pip install -e .",
        f"{ESC}[0Ksection_end:1560896353:install\r{ESC}[0K",
        f"{ESC}[0Ksection_start:1560896354:tests\r{ESC}[0KRunning tests",
        "1 failed",
    ]

    folds = sections.outline(lines)

    assert [(f.start, f.end, ansi.strip(f.title), f.collapsed) for f in folds] == [
        (1, 3, "Installing", True),
        (4, 5, "Running tests", False),
    ]


def test_a_carriage_return_shows_what_a_terminal_keeps():
    assert sections.display("downloading 10%\rdownloading 100%") == "downloading 100%"


def log_of(count: int) -> list[str]:
    return [f"line {n}" for n in range(1, count + 1)]


def test_a_page_holds_only_its_lines():
    page = pages.render_page(log_of(1200), 2, [], per_page=500)

    numbers = [row.number for row in page.rows]
    assert (page.page, page.pages, page.first, page.last) == (2, 3, 501, 1000)
    assert numbers == list(range(501, 1001))


def test_a_page_past_the_end_shows_the_last_page():
    page = pages.render_page(log_of(10), 99, [], per_page=4)

    assert (page.page, page.first, page.last) == (3, 9, 10)


def test_a_fold_open_when_a_page_starts_is_reopened_and_closed_on_that_page():
    lines = ["##[group]Build", *log_of(8), "##[endgroup]", "after"]

    page = pages.render_page(lines, 2, [], per_page=6)

    kinds = [row.kind for row in page.rows]
    assert page.rows[0].continued
    assert page.rows[0].html == "Build"
    assert kinds.count("open") == kinds.count("close") == 1
    assert page.rows[-1].number == 11
    assert page.rows[-2].kind == "close"


def test_the_diagnosed_lines_are_marked_and_their_fold_shown_open():
    lines = ["##[group]Test", "ok", "AssertionError: 1 != 2", "##[endgroup]"]
    lines += ["##[group]Upload", "done", "##[endgroup]"]

    page = pages.render_page(lines, 1, [[3, 3]])

    opened = [row for row in page.rows if row.kind == "open"]
    assert [row.collapsed for row in opened] == [False, True]
    assert [row.number for row in page.rows if row.error] == [3]


def test_search_ignores_case_and_colours_and_pages_its_hits():
    lines = [f"{ESC}[31mERROR{ESC}[0m in step {n}" if n % 2 else f"fine {n}" for n in range(1, 11)]

    found = pages.search(lines, "error in", 2, per_page=2)

    assert (found.total, found.pages, found.page) == (5, 3, 2)
    assert [hit.number for hit in found.hits] == [5, 7]
    assert found.hits[0].html == "<mark>ERROR in</mark> step 5"


def test_a_search_hit_is_escaped_around_its_mark():
    found = pages.search(["<b>boom</b> here"], "boom", 1)

    assert found.hits[0].html == "&lt;b&gt;<mark>boom</mark>&lt;/b&gt; here"


def test_an_empty_search_finds_nothing():
    assert pages.search(log_of(5), "   ", 1).total == 0
