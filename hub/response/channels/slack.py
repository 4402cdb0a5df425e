"""Slack through an incoming webhook: Block Kit blocks with a plain-text fallback, at most one message a
second per webhook, ``Retry-After`` honoured.

The webhook URL is a secret (anyone holding it can post to the channel), so it never reaches a log, an
error, an effect or the API: ``mask`` is how it is shown, and errors from the HTTP library (which name
the URL) are replaced by ones that do not. Slack answers 200 ``ok``; 429 with ``Retry-After`` when we
post too fast; 400/403/404/410 with a reason (``invalid_payload``, ``no_text``, ``channel_not_found``,
``no_service``...) that trying again will not change. The limiter is a key in the shared cache (Redis
when the hub runs several workers), added for one second per message.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import requests
from django.core.cache import cache

from hub.response.services import effects
from hub.response.summary import RunSummary

TIMEOUT = 10
INTERVAL = 1  # seconds between two messages to one webhook
MAX_WAIT = 5.0  # seconds a worker waits for its turn before giving the attempt back
POLL = 0.05
MAX_TEXT = 3000  # Slack's limit for a section block's text


@dataclass(frozen=True)
class Message:
    text: str  # the fallback shown in notifications and by clients without blocks
    blocks: list[dict[str, Any]] = field(default_factory=list)

    def payload(self) -> dict[str, Any]:
        return {"text": self.text, "blocks": self.blocks}


def mask(url: str) -> str:
    """How the webhook URL is shown: its host only (``https://hooks.slack.com/.../****``)."""
    if not url:
        return ""
    try:
        host = urlsplit(url).hostname
    except ValueError:  # a malformed host ("https://a[b"): the policy's check asks only for https://
        host = None
    return f"https://{host or 'hooks.slack.com'}/.../****"


def key(run_pk: int, url: str) -> str:
    return f"notify:slack:{run_pk}:{_digest(url)}"


def _digest(url: str) -> str:
    return hashlib.sha256(url.encode()).hexdigest()[:16]


def _mrkdwn(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def render(summary: RunSummary) -> Message:
    h = summary.header
    title = _mrkdwn(summary.title)
    heading = f"*<{h.url}|{title}>*" if h.url else f"*{title}*"
    breakdown = "; ".join(summary.breakdown()) or "no failed test is known"
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": f"{heading}\n{_mrkdwn(breakdown)}"}},
    ]
    if summary.listed:
        lines = [f"• `{_mrkdwn(i.test)}` in {_mrkdwn(i.job)}: {i.label.lower()}" for i in summary.listed]
        if summary.unlisted:
            lines.append(f"…and {summary.unlisted} more")
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(lines)[:MAX_TEXT]}})
    context = [f"commit {h.commit[:12]}"] if h.commit else []
    context += [f"{h.tests} tests, {h.passed} passed, {h.skipped} skipped"] if h.tests else []
    if context:
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": " · ".join(context)}]})
    return Message(text=f"{summary.title}: {breakdown}", blocks=blocks)


def send(
    url: str,
    message: Message,
    *,
    session: requests.Session | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> effects.Made:
    """Post ``message`` to the webhook once its turn comes (one a second per webhook, across workers)."""
    _wait_turn(url, sleep, clock)
    try:
        response = (session or requests).post(url, json=message.payload(), timeout=TIMEOUT)
    except requests.RequestException as exc:
        # The library's message names the URL: say what happened without it.
        raise ConnectionError(f"Slack webhook {mask(url)} unreachable: {type(exc).__name__}") from None
    said = response.text.strip()[:200]
    if response.status_code == 200:
        return effects.Made(detail={"webhook": mask(url), "said": said})
    if response.status_code == 429:
        wait = _seconds(response.headers.get("Retry-After"))
        raise effects.RetryLater(f"Slack asked to wait {wait:g}s before posting again (429)", wait)
    if 400 <= response.status_code < 500:
        raise effects.Refused(
            f"Slack refused the message: {response.status_code} {said or 'no reason given'}",
            {"status": response.status_code, "said": said, "webhook": mask(url)},
        )
    raise ConnectionError(f"Slack answered {response.status_code}; the message may not have been posted")


def _wait_turn(url: str, sleep: Callable[[float], None], clock: Callable[[], float]) -> None:
    slot = f"notify:slack:turn:{_digest(url)}"
    deadline = clock() + MAX_WAIT
    while not cache.add(slot, 1, timeout=INTERVAL):
        if clock() >= deadline:
            raise effects.RetryLater(f"another message to this webhook is still within its {INTERVAL}s", 1)
        sleep(POLL)


def _seconds(value: str | None) -> float:
    try:
        return max(float(value or INTERVAL), 0.0)
    except ValueError:
        return float(INTERVAL)
