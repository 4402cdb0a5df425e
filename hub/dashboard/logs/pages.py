"""A stored log as pages of numbered rows and as paged search hits: never the whole log in one page.

A page is a run of ``per_page`` lines. The folds open when the page starts are opened again at its top
(marked as continued) and every fold still open at its bottom is closed, so each page is well-formed
HTML on its own. Lines inside the diagnosis spans (the lines that explain the failure) are marked, and a
fold that holds one is shown open. Colours carry over from the lines before the page.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.html import escape

from hub.dashboard.logs import ansi, sections

PER_PAGE = 500
HITS_PER_PAGE = 50
MAX_QUERY = 200
SNIPPET = 300  # characters of a hit's line shown around the match


@dataclass(frozen=True)
class Row:
    kind: str  # "open" (a fold's header), "line", "close"
    number: int | None = None
    html: str = ""
    collapsed: bool = True
    error: bool = False
    continued: bool = False


@dataclass
class LogPage:
    rows: list[Row]
    page: int
    pages: int
    lines: int
    first: int
    last: int


@dataclass
class Hit:
    number: int
    page: int
    html: str


@dataclass
class SearchPage:
    query: str
    hits: list[Hit] = field(default_factory=list)
    total: int = 0
    page: int = 1
    pages: int = 1


def split(text: str) -> list[str]:
    """The log's lines (a last newline does not make an empty last line)."""
    lines = text.split("\n")
    return lines[:-1] if lines and lines[-1] == "" else lines


def page_count(lines: int, per_page: int = PER_PAGE) -> int:
    return max(1, -(-lines // per_page))


def page_of(number: int, per_page: int = PER_PAGE) -> int:
    """The page that shows line ``number``."""
    return max(1, (number - 1) // per_page + 1)


def error_lines(spans: list) -> set[int]:
    """The line numbers inside the diagnosis spans (``[[first, last], ...]``, 1-based)."""
    found: set[int] = set()
    for span in spans or []:
        if isinstance(span, list | tuple) and len(span) == 2 and all(isinstance(n, int) for n in span):
            found.update(range(span[0], span[1] + 1))
    return found


def render_page(lines: list[str], number: int, spans: list, per_page: int = PER_PAGE) -> LogPage:
    """Page ``number`` (clamped to the pages there are) of ``lines`` as rows."""
    pages = page_count(len(lines), per_page)
    number = min(max(1, number), pages)
    first, last = (number - 1) * per_page + 1, min(len(lines), number * per_page)
    errors = error_lines(spans)
    folds = sections.outline(lines)
    starts: dict[int, list[sections.Fold]] = {}
    for fold in folds:
        starts.setdefault(fold.start, []).append(fold)
    shows_error = {fold: any(fold.start <= n <= fold.end for n in errors) for fold in folds}

    style = ansi.PLAIN
    for line in lines[: first - 1]:
        style = ansi.advance(line, style)
    rows: list[Row] = []
    open_ends: list[int] = []
    for fold in folds:  # folds that began before this page and are still open on it
        if fold.start < first <= fold.end:
            title, _ = ansi.to_html(fold.title, ansi.PLAIN)
            rows.append(Row("open", None, title, not shows_error[fold], continued=True))
            open_ends.append(fold.end)
    for n in range(first, last + 1):
        line = lines[n - 1]
        html, style = ansi.to_html(sections.display(line), style)
        for fold in starts.get(n, []):
            rows.append(Row("open", n, html, not shows_error[fold] and fold.collapsed, error=n in errors))
            open_ends.append(fold.end)
        if n not in starts and not _only_end_marker(line, html):
            rows.append(Row("line", n, html, error=n in errors))
        while open_ends and open_ends[-1] <= n:
            open_ends.pop()
            rows.append(Row("close"))
    rows.extend(Row("close") for _ in open_ends)
    return LogPage(rows, number, pages, len(lines), first, last)


def _only_end_marker(line: str, html: str) -> bool:
    """A line that only closes a fold shows nothing (its number stays taken, so anchors keep matching
    the stored log's numbering)."""
    return not html.strip() and bool(sections.marks(line).closes)


def search(lines: list[str], query: str, number: int, per_page: int = HITS_PER_PAGE) -> SearchPage:
    """The lines containing ``query`` (case-insensitive, colours ignored), a page of hits at a time."""
    query = query.strip()[:MAX_QUERY]
    result = SearchPage(query)
    if not query:
        return result
    wanted = query.casefold()
    matching = [n for n, line in enumerate(lines, start=1) if wanted in ansi.strip(line).casefold()]
    result.total = len(matching)
    result.pages = page_count(len(matching), per_page)
    result.page = min(max(1, number), result.pages)
    start = (result.page - 1) * per_page
    for n in matching[start : start + per_page]:
        result.hits.append(Hit(n, page_of(n), _snippet(ansi.strip(sections.display(lines[n - 1])), wanted)))
    return result


def _snippet(text: str, wanted: str) -> str:
    """The line around its first match, escaped, the match in ``<mark>``."""
    at = text.casefold().find(wanted)
    if at < 0:
        return escape(text[:SNIPPET])
    begin = max(0, at - SNIPPET // 2)
    before, match, after = text[begin:at], text[at : at + len(wanted)], text[at + len(wanted) :]
    after = after[: max(0, SNIPPET - len(before) - len(match))]
    lead = "…" if begin else ""
    return f"{lead}{escape(before)}<mark>{escape(match)}</mark>{escape(after)}"
