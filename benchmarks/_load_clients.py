"""The load's clients: report documents of a CI suite with random failures, posted as the agent does.

Every post is a new run and job. On a connection error, a timeout, a 429 or a 5xx a client sends the same
body again with the same ``Idempotency-Key`` (``CLIENT_RETRIES`` times at most, backing off), so a replay
is the hub's to recognise, and each report's fate is kept in a ``Sent``.
"""

from __future__ import annotations

import gzip
import random
import secrets
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import requests
from _hub import Hub, push_context

from agent.document import iter_document
from agent.model import RunContext, Status, TestCase

CLIENT_TIMEOUT = 60.0
CLIENT_RETRIES = 4  # the agent's own HubClient default
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


@dataclass
class Sent:
    """One report a client sent: its key, what it carried, and how it ended."""

    key: str
    results: int
    latency: float = 0.0
    attempts: int = 0
    status: int | None = None  # the last answer's status; None when the hub never answered
    replayed: bool = False
    answers: list[int | None] = field(default_factory=list)  # every attempt's status (None: no answer)

    @property
    def confirmed(self) -> bool:
        return self.status == 201 or (self.status == 200 and self.replayed)


MESSAGES = (
    "expected:<{a}> but was:<{b}>",
    "Timed out after {a} ms waiting for the worker",
    "Connection refused: localhost:{a}",
    "KeyError: 'item-{a}'",
)


def report_body(
    cases: int, failure_rate: float, rng: random.Random, context: RunContext
) -> tuple[bytes, int]:
    """A gzip report document of ``cases`` tests (the same names every time, as a CI suite's), each
    failed with probability ``failure_rate``; at least one fails, so every upload owes an analysis.
    Returns (body, results)."""
    doomed = rng.randrange(cases)

    def generated() -> Iterator[TestCase]:
        for index in range(cases):
            fields = {
                "name": f"test_case_{index % 50}",
                "classname": f"tests.load.module_{index // 50}.TestLoad",
                "duration": round(rng.expovariate(50.0), 4),
            }
            if index == doomed or rng.random() < failure_rate:
                message = rng.choice(MESSAGES).format(a=rng.randrange(1000), b=rng.randrange(1000))
                yield TestCase(status=Status.FAILED, message=message, failure_type="AssertionError", **fields)
            else:
                yield TestCase(status=Status.PASSED, **fields)

    return gzip.compress(b"".join(iter_document(context, generated())), 6), cases


def context_for(hub: Hub, client: int, number: int) -> RunContext:
    """A new run and job for every post, on ``main``, from client ``client``."""
    run = f"load-{client}-{number}"
    return push_context(hub.project, run, number, run)


def post(hub: Hub, session: requests.Session, body: bytes, sent: Sent, deadline: float) -> None:
    """Send ``body`` like the agent: the same key on every attempt, retrying what may be transient."""
    headers = {
        "Authorization": f"Bearer {hub.agent_token}",
        "Content-Type": "application/json",
        "Content-Encoding": "gzip",
        "Idempotency-Key": sent.key,
    }
    start = time.perf_counter()
    while sent.attempts <= CLIENT_RETRIES:
        sent.attempts += 1
        try:
            answer = session.post(
                f"{hub.url}/api/v1/reports", data=body, headers=headers, timeout=CLIENT_TIMEOUT
            )
        except (requests.ConnectionError, requests.Timeout):
            sent.status = None
            sent.answers.append(None)
        else:
            sent.status = answer.status_code
            sent.answers.append(answer.status_code)
            sent.replayed = answer.headers.get("Idempotent-Replayed", "").lower() == "true"
            if answer.status_code not in RETRY_STATUSES:
                break
        if time.monotonic() > deadline:
            break
        time.sleep(min(2.0 ** (sent.attempts - 1), 8.0))
    sent.latency = time.perf_counter() - start


def client_loop(
    hub: Hub,
    report: tuple[int, float],
    client: int,
    stop: threading.Event,
    sent: list[Sent],
    lock: threading.Lock,
    *,
    deadline: float,
    interval: float = 0.0,
    prepared: list[tuple[bytes, int]] | None = None,
) -> None:
    """Post new reports of ``report`` = (cases, failure rate) until ``stop``; retries end at ``deadline``.
    With an ``interval``, a post starts every ``interval`` seconds (on a fixed schedule, so a slow answer
    is caught up on, as CI jobs finishing on their own clocks would), else as soon as the last ended.
    The ``prepared`` bodies (``prepare``) go first, then new ones are made as they are needed."""
    rng = random.Random(client)
    ready = prepared or []
    next_post = time.monotonic() + interval * rng.random()  # the clients spread over one interval
    with requests.Session() as session:
        number = 0
        while not stop.wait(max(0.0, next_post - time.monotonic())):
            next_post += interval
            number += 1
            if number <= len(ready):
                body, results = ready[number - 1]
            else:
                body, results = report_body(*report, rng, context_for(hub, client, number))
            record = Sent(key=f"load-{client}-{number}-{secrets.token_hex(6)}", results=results)
            post(hub, session, body, record, deadline)
            with lock:
                sent.append(record)


def prepare(hub: Hub, report: tuple[int, float], client: int, count: int) -> list[tuple[bytes, int]]:
    """Client ``client``'s first ``count`` reports, made before the load starts: on one machine, the CI
    jobs' work of writing them would otherwise be taken from the hub under test (a tenth of a core at 8
    reports a second of 2,000 cases)."""
    rng = random.Random(-1 - client)
    return [report_body(*report, rng, context_for(hub, client, number)) for number in range(1, count + 1)]
