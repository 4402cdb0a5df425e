"""Naming rules shared by the .NET formats (NUnit, xUnit.net, TRX), which report full names
(``Namespace.Class.Method(args)``) where JUnit has a class name and a method name."""

from __future__ import annotations

from agent.model import MAX_NAME_CHARS, clip


def split_full_name(full: str) -> tuple[str | None, str]:
    """``Ns.Class.Method("a.b")`` -> ``("Ns.Class", 'Method("a.b")')``: the last dot before any argument
    list separates the class from the test."""
    head = full.split("(", 1)[0]
    dot = head.rfind(".")
    if dot <= 0:
        return None, full
    return full[:dot], full[dot + 1 :]


def relative_name(full: str, classname: str | None) -> str:
    """The test's name without its class prefix, so (classname, name) reads like JUnit's pair."""
    if classname and full.startswith(classname + ".") and len(full) > len(classname) + 1:
        return full[len(classname) + 1 :]
    return full


def bounded_name(text: str | None, fallback: str = "(unnamed)") -> str:
    if not text:
        return fallback
    return text if len(text) <= MAX_NAME_CHARS else clip(text, MAX_NAME_CHARS) or fallback
