"""Email through Django's email backend (``EMAIL_*`` settings, docs/configuration.md): a subject line
and a plain-text body with an HTML alternative, one message per address so each is recorded on its own.

A mail server cannot be asked whether a message arrived. An error before the server took the message (no
connection, the sender or the data refused) surely sent nothing (``effects.NotMade``): the fix job tries
again. Any other error may have come after it was taken, so the message is not sent twice. An address
the server refused outright (``SMTPRecipientsRefused``) is recorded as refused.
"""

from __future__ import annotations

import smtplib
import socket
from dataclasses import dataclass
from html import escape

from django.conf import settings
from django.core.mail import EmailMultiAlternatives

from hub.response.services import effects
from hub.response.summary import RunSummary

MAX_SUBJECT = 200
# Errors before the message was taken: no connection, or the server refused the sender or the data.
UNSENT = (ConnectionRefusedError, socket.gaierror, smtplib.SMTPConnectError, smtplib.SMTPHeloError,
          smtplib.SMTPAuthenticationError, smtplib.SMTPSenderRefused, smtplib.SMTPDataError)  # fmt: skip


@dataclass(frozen=True)
class Message:
    subject: str
    text: str
    html: str


def key(run_pk: int, address: str) -> str:
    return f"notify:email:{run_pk}:{address.lower()}"


def render(summary: RunSummary) -> Message:
    h = summary.header
    breakdown = summary.breakdown()
    lines = [summary.title, ""]
    lines += breakdown or ["No failed test is known."]
    if summary.listed:
        lines += ["", *[f"- {i.test} in {i.job}: {i.label.lower()}" for i in summary.listed]]
    if summary.unlisted:
        lines.append(f"- ...and {summary.unlisted} more")
    if h.url:
        lines += ["", f"The run: {h.url}"]
    items = "".join(f"<li><code>{escape(i.test)}</code> in {escape(i.job)}: {escape(i.label.lower())}</li>"
                    for i in summary.listed)  # fmt: skip
    more = f"<li>…and {summary.unlisted} more</li>" if summary.unlisted else ""
    link = f'<p><a href="{escape(h.url)}">The run</a></p>' if h.url else ""
    html = (
        f"<p><strong>{escape(summary.title)}</strong></p>"
        f"<p>{escape('; '.join(breakdown) or 'No failed test is known.')}</p>"
        + (f"<ul>{items}{more}</ul>" if items else "")
        + link
    )
    return Message(subject=summary.title[:MAX_SUBJECT], text="\n".join(lines) + "\n", html=html)


def send(address: str, message: Message) -> effects.Made:
    email = EmailMultiAlternatives(message.subject, message.text, settings.DEFAULT_FROM_EMAIL, [address])
    email.attach_alternative(message.html, "text/html")
    try:
        email.send()
    except smtplib.SMTPRecipientsRefused as refused:
        raise effects.Refused(f"the mail server refused {address}", {"address": address}) from refused
    except UNSENT as exc:
        raise effects.NotMade(f"the mail server did not take the message: {type(exc).__name__}") from exc
    return effects.Made(detail={"address": address})
