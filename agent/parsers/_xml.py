"""A secure, streaming XML driver on top of expat, shared by every XML format.

Why expat directly rather than ``ElementTree.iterparse``: handlers see each element once without building
a tree, so a report of 500k test cases costs the memory of one case, and it is faster than building and
clearing elements. Why it is safe: the parser refuses any entity declaration (billion laughs, XXE), any
external entity reference and any undeclared entity, and never loads a DTD, so nothing outside the file
is read. The same protections defusedxml applies to its expat parser, without its per-event overhead.

A format plugs in as a ``Handler``: ``start``/``end`` callbacks appending finished ``TestCase`` values to
``out``; ``capture``/``release`` switch character data collection on only where text matters, so the
whitespace between elements never reaches Python.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any
from xml.parsers import expat

from agent.model import ReportParseError
from agent.parsers._errors import parse_error
from agent.parsers._feed import CHUNK_BYTES, Feed, TokenTooLarge
from agent.parsers._values import BoundedText

# Friendlier words for the expat errors people actually meet in CI.
_HINTS = {
    expat.errors.XML_ERROR_NO_ELEMENTS: (
        "the file ends before the XML document is complete; was it truncated (disk full, a killed test "
        "run, an upload cut short)?"
    ),
    expat.errors.XML_ERROR_UNCLOSED_TOKEN: ("the file ends inside a tag; was it truncated?"),
    expat.errors.XML_ERROR_INVALID_TOKEN: (
        "not well-formed XML (invalid token): often a raw '<' or '&' in an attribute or text, or bytes "
        "that are not valid in the declared encoding"
    ),
    expat.errors.XML_ERROR_TAG_MISMATCH: "an end tag does not match its start tag",
    expat.errors.XML_ERROR_UNDEFINED_ENTITY: (
        "an '&name;' entity that XML does not define; escape a literal '&' as '&amp;'"
    ),
    expat.errors.XML_ERROR_UNCLOSED_CDATA_SECTION: (
        "a CDATA section is never closed; was the file truncated?"
    ),
}


class _Rejected(Exception):
    """Raised from inside expat when the document asks for something a report never needs (an entity)."""


class Handler:
    """Base of a format's expat handlers. Subclasses implement ``start`` and ``end`` and append
    ``TestCase`` values to ``out``; the driver yields them between chunks."""

    def __init__(self) -> None:
        self.out: list[Any] = []
        self.parser: Any = None
        self._text: BoundedText | None = None

    def callbacks(self) -> tuple[Callable[[str, dict[str, str]], None], Callable[[str], None]]:
        """The start and end element callbacks to give expat (a hot format may return closures)."""
        return self.start, self.end

    def start(self, name: str, attrs: dict[str, str]) -> None:
        raise NotImplementedError

    def end(self, name: str) -> None:
        raise NotImplementedError

    def finish(self) -> None:
        """Called once the whole document was read without error."""

    def capture(self, limit: int) -> None:
        """Collect the character data that follows (up to ``limit`` characters) until ``release``."""
        self._text = text = BoundedText(limit)
        self.parser.CharacterDataHandler = text.add

    def release(self) -> str | None:
        """Stop collecting; the text collected since ``capture`` (clipped), None if there was none."""
        text = self._text
        if text is None:
            return None
        self._text = None
        self.parser.CharacterDataHandler = None
        return text.value()


def _forbid_entity_declaration(entity_name: str, *_args: Any) -> None:
    raise _Rejected(
        f"the document declares an entity ({entity_name!r}); test reports never need one and entity "
        "declarations are how billion-laughs and XXE attacks work, so the file is rejected"
    )


def _forbid_external_reference(*_args: Any) -> None:
    raise _Rejected("the document refers to an external entity; it is not read, and the file is rejected")


def _forbid_skipped_entity(entity_name: str, *_args: Any) -> None:
    raise _Rejected(f"the document uses an entity ({entity_name!r}) it does not define; the file is rejected")


def secure_parser() -> Any:
    """An expat parser that refuses entity declarations and external references (see module docstring)."""
    parser = expat.ParserCreate()
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.EntityDeclHandler = _forbid_entity_declaration
    parser.UnparsedEntityDeclHandler = _forbid_entity_declaration
    parser.ExternalEntityRefHandler = _forbid_external_reference
    parser.SkippedEntityHandler = _forbid_skipped_entity
    parser.buffer_text = True
    parser.buffer_size = CHUNK_BYTES
    return parser


def stream(path: str, handler: Handler) -> Iterator[Any]:
    """Feed ``path`` to ``handler`` chunk by chunk (see ``agent.parsers._feed``), yielding what it produced
    after each chunk.

    Values finished before an error are yielded first; then the error is raised as a ReportParseError
    naming the file, line and column.
    """
    parser = secure_parser()
    handler.parser = parser
    parser.StartElementHandler, parser.EndElementHandler = handler.callbacks()
    out = handler.out
    try:
        source = open(path, "rb")  # noqa: SIM115 - closed in finally, across yields
    except OSError as exc:
        raise parse_error(path, f"cannot be read: {exc.strerror or exc}") from None
    feed = Feed(parser, source)
    try:
        while True:
            done, error = _feed(path, parser, feed)
            if out:
                yield from out
                out.clear()
            if error is not None:
                raise error
            if done:
                break
        handler.finish()
        if out:
            yield from out
            out.clear()
    finally:
        source.close()


def _feed(path: str, parser: Any, feed: Feed) -> tuple[bool, ReportParseError | None]:
    """Feed the next chunk: (whether that was the end of the file, the error the document ended with)."""
    chunk = b""
    try:
        chunk = feed.read()
        parser.Parse(chunk, not chunk)
    except expat.ExpatError as exc:
        reason = expat.errors.messages[exc.code] if exc.code else str(exc)
        hint = _HINTS.get(reason)
        message = f"{hint} [expat: {reason}]" if hint else f"not well-formed XML: {reason}"
        return True, parse_error(path, message, exc.lineno, exc.offset + 1)
    except (_Rejected, TokenTooLarge) as exc:
        return True, parse_error(path, str(exc), parser.CurrentLineNumber, parser.CurrentColumnNumber + 1)
    return not chunk, None


class Node:
    """One element of a small subtree (a single test case): tag, attributes, children and bounded text."""

    __slots__ = ("attrs", "children", "tag", "text_parts")

    def __init__(self, tag: str, attrs: dict[str, str], text_limit: int) -> None:
        self.tag = tag
        self.attrs = attrs
        self.children: list[Node] = []
        self.text_parts = BoundedText(text_limit)

    @property
    def text(self) -> str | None:
        """The element's own character data (clipped), None when there is none."""
        return self.text_parts.value()

    def get(self, key: str, default: str | None = None) -> str | None:
        return self.attrs.get(key, default)

    def find(self, tag: str) -> Node | None:
        for child in self.children:
            if child.tag == tag:
                return child
        return None

    def findall(self, tag: str) -> list[Node]:
        return [child for child in self.children if child.tag == tag]

    def findtext(self, *path: str) -> str | None:
        """The text of the element at ``path`` (child tags), stripped; None when absent or blank."""
        node: Node | None = self
        for tag in path:
            node = node.find(tag) if node is not None else None
        text = node.text if node is not None else None
        return text.strip() or None if text else None


class SubtreeHandler(Handler):
    """For formats whose test case elements are small trees (NUnit, xUnit.net, TRX): everything outside a
    case goes to ``enter``/``leave``; each case element is collected as a ``Node`` tree and handed to
    ``case_done``, then dropped, so memory is bounded by the largest case. Tags arrive without any
    namespace prefix. Each element's text is bounded by ``text_limit`` and a case keeps at most
    ``MAX_NODES`` elements (NUnit can list thousands of assertions)."""

    MAX_NODES = 10_000

    def __init__(self, case_tags: frozenset[str], text_limit: int) -> None:
        super().__init__()
        self.case_tags = case_tags
        self.text_limit = text_limit
        self.stack: list[Node] = []
        self.nodes = 0
        self.skipping = 0  # depth inside elements dropped for exceeding MAX_NODES

    def enter(self, name: str, attrs: dict[str, str]) -> None:
        """An element outside any case starts (a suite, say)."""

    def leave(self, name: str) -> None:
        """An element outside any case ends."""

    def case_done(self, node: Node) -> None:
        raise NotImplementedError

    def start(self, name: str, attrs: dict[str, str]) -> None:
        name = name.rpartition(":")[2]
        stack = self.stack
        if stack:
            if self.skipping or self.nodes >= self.MAX_NODES:
                self.skipping += 1
                return
            node = Node(name, attrs, self.text_limit)
            stack[-1].children.append(node)
            self.nodes += 1
        elif name in self.case_tags:
            node = Node(name, attrs, self.text_limit)
            self.nodes = 1
        else:
            self.enter(name, attrs)
            return
        stack.append(node)
        self.parser.CharacterDataHandler = node.text_parts.add

    def end(self, name: str) -> None:
        stack = self.stack
        if not stack:
            self.leave(name.rpartition(":")[2])
            return
        if self.skipping:
            self.skipping -= 1
            return
        node = stack.pop()
        if stack:
            self.parser.CharacterDataHandler = stack[-1].text_parts.add
        else:
            self.parser.CharacterDataHandler = None
            self.case_done(node)
