"""One comment per pull request (a merge-request note on GitLab), kept up to date in place.

The comment carries a hidden marker, ``MARKER``; it is found by that marker through the provider client
(``list_comments``), created once (``create_comment``) and edited on every later run of the pull
request (``update_comment``). If someone deleted it, the next run creates it again. The author is not
checked: a GitHub App's installation token cannot say who it is; a comment copying the marker would be
edited, which the marker's wording warns against.
"""

from __future__ import annotations

from dataclasses import dataclass

from agent.providers import Comment, NotFoundError, Provider
from hub.response.services import effects
from hub.response.summary import RunSummary

MARKER = "<!-- orchestrate:run-summary -->"
NOTE = "<!-- kept up to date by Orchestrate; edits are overwritten on the next run -->"


@dataclass(frozen=True)
class Message:
    body: str


def key(project_pk: int, number: int) -> str:
    """One comment per pull request, whatever run or attempt updates it."""
    return f"notify:pull_request:{project_pk}:{number}"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("`", "'").replace("\n", " ")


def render(summary: RunSummary) -> Message:
    h = summary.header
    title = f"[{summary.title}]({h.url})" if h.url else summary.title
    lines = [MARKER, NOTE, f"### {title}", ""]
    if summary.counts:
        lines += [f"- {phrase}" for phrase in summary.breakdown()]
    else:
        lines.append("No failed test." if not summary.failed else "No failed test is known.")
    if summary.listed:
        lines += ["", "| Test | Job | |", "| --- | --- | --- |"]
        lines += [f"| `{_cell(i.test)}` | {_cell(i.job)} | {i.label} |" for i in summary.listed]
    if summary.unlisted:
        lines += ["", f"…and {summary.unlisted} more."]
    if h.commit:
        lines += ["", f"<sub>commit {h.commit[:12]} · {h.tests} tests, {h.passed} passed</sub>"]
    return Message("\n".join(lines) + "\n")


def find(client: Provider, number: int) -> Comment | None:
    """Our comment on the pull request, found by its marker; None when there is none."""
    return next((c for c in client.list_comments(number) if MARKER in c.body), None)


def send(client: Provider, number: int, message: Message, comment_id: str = "") -> effects.Made:
    """Edit our comment (``comment_id`` when known, else the one found by marker), or create it."""
    if comment_id:
        try:
            return _made(client.update_comment(number, comment_id, message.body), "updated")
        except NotFoundError:
            pass  # deleted by someone: look again, then create it anew
    found = find(client, number)
    if found is not None:
        return _made(client.update_comment(number, found.id, message.body), "updated")
    return _made(client.create_comment(number, message.body), "created")


def _made(comment: Comment, how: str) -> effects.Made:
    return effects.Made(comment.id, comment.url, {"last": how})
