"""ANSI escape sequences to HTML that is safe to put in a page.

Every piece of text is escaped before it is wrapped, so a log can never inject markup: the only tags in
the output are the ``<span class="ansi-...">`` this module writes. Select Graphic Rendition (SGR, ``ESC[..m``)
sets colours and weight; other control sequences (cursor moves, ``ESC[0K`` line erases that GitLab puts
around its section markers) are dropped. The rendering state carries from one line to the next, as a
terminal's does, so a page that starts mid-colour is rendered in that colour.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from django.utils.html import escape

# CSI sequences (ESC [ params final-byte) and the two-byte escapes; OSC (ESC ] ... BEL/ST) too.
ESCAPE = re.compile(r"\x1b\[([0-9;?]*)([@-~])|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]")
BASIC = {30 + n: n for n in range(8)} | {90 + n: 8 + n for n in range(8)}
BASIC_BG = {40 + n: n for n in range(8)} | {100 + n: 8 + n for n in range(8)}


@dataclass(frozen=True)
class Style:
    """What the terminal would draw with now: colours are 0-15 (the 16 named ones) or None."""

    fg: int | None = None
    bg: int | None = None
    bold: bool = False
    dim: bool = False
    italic: bool = False
    underline: bool = False

    def classes(self) -> str:
        names = [f"ansi-fg-{self.fg}"] if self.fg is not None else []
        names += [f"ansi-bg-{self.bg}"] if self.bg is not None else []
        flags = ("bold", self.bold), ("dim", self.dim), ("italic", self.italic), ("underline", self.underline)
        names += [f"ansi-{name}" for name, on in flags if on]
        return " ".join(names)


PLAIN = Style()


def apply_sgr(style: Style, params: str) -> Style:
    """The style after one SGR sequence's parameters (``"1;31"``); 256-colour and RGB colours map to the
    nearest of the 16 only when they are in that range, otherwise they leave the colour unset."""
    codes = [int(p) if p.isdigit() else 0 for p in params.split(";")] if params else [0]
    i = 0
    while i < len(codes):
        code = codes[i]
        if code == 0:
            style = PLAIN
        elif code in (1, 2, 3, 4):
            style = replace(style, **{{1: "bold", 2: "dim", 3: "italic", 4: "underline"}[code]: True})
        elif code == 22:
            style = replace(style, bold=False, dim=False)
        elif code == 23:
            style = replace(style, italic=False)
        elif code == 24:
            style = replace(style, underline=False)
        elif code in BASIC:
            style = replace(style, fg=BASIC[code])
        elif code in BASIC_BG:
            style = replace(style, bg=BASIC_BG[code])
        elif code == 39:
            style = replace(style, fg=None)
        elif code == 49:
            style = replace(style, bg=None)
        elif code in (38, 48) and i + 1 < len(codes):
            colour, used = _extended(codes[i + 1 :])
            style = replace(style, **{"fg" if code == 38 else "bg": colour})
            i += used
        i += 1
    return style


def _extended(rest: list[int]) -> tuple[int | None, int]:
    if rest[0] == 5 and len(rest) > 1:
        return (rest[1] if rest[1] < 16 else None), 2
    if rest[0] == 2:
        return None, 4
    return None, 1


def strip(text: str) -> str:
    """The text without escape sequences: what a person reads, and what search matches."""
    return ESCAPE.sub("", text)


def advance(text: str, style: Style) -> Style:
    """The style after ``text`` without rendering it (for the lines before a page)."""
    if "\x1b" not in text:
        return style
    for match in ESCAPE.finditer(text):
        if match.group(2) == "m":
            style = apply_sgr(style, match.group(1))
    return style


def to_html(text: str, style: Style = PLAIN) -> tuple[str, Style]:
    """``text`` as escaped HTML with its coloured runs in spans; and the style at its end."""
    out: list[str] = []
    position = 0
    for match in ESCAPE.finditer(text):
        _emit(out, text[position : match.start()], style)
        if match.group(2) == "m":
            style = apply_sgr(style, match.group(1))
        position = match.end()
    _emit(out, text[position:], style)
    return "".join(out), style


def _emit(out: list[str], piece: str, style: Style) -> None:
    if not piece:
        return
    classes = style.classes()
    safe = escape(piece)
    out.append(f'<span class="{classes}">{safe}</span>' if classes else safe)
