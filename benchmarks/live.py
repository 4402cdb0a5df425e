"""Live pages: how fast a committed change reaches an open page's event stream, and what 100 open
dashboards cost a hub.

    python benchmarks/live.py                        # SQLite and PostgreSQL (each ~1 min)
    python benchmarks/live.py --backends sqlite --changes 40

For each backend a scratch hub runs under gunicorn with the worker class the docs advise for live pages
(``gthread``: 2 workers x 32 threads, ``LIVE_MAX_STREAMS=24`` per worker). Then:

1. **latency**: one page's stream (``/live/stream/?watch=all``) is open; a subprocess commits changes one
   at a time, 300 ms apart, through ``hub.outbox.services.live.changed`` (what uploads, provider events and
   fix jobs call) and notes the wall-clock time of each commit; the stream's reader notes when each
   change's event arrives. Latency = arrival - commit, p50 and p95 (loopback, same clock).
2. **100 dashboards**: 100 pages open at once. Each opens a stream; those refused (503: the process holds
   its maximum) poll ``/live/changes/`` every second as ``live.js`` does. While they are open the figures
   are: streams held, pages polling, threads the streams take out of the 64, the p50/p95 of 30 ordinary
   page loads (``GET /runs/``) and the latency of one more change to every open page.

This process never imports Django; its subprocesses do (``python benchmarks/live.py _session`` etc.).
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _hub import backend_names, log, running_hub, skip_note

THREADS = 32
WORKERS = 2
MAX_STREAMS = 24
DASHBOARDS = 100
PAGE_LOADS = 30


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))] if ordered else float("nan")


class Stream:
    """One page's event stream, read on its own thread: (event, cursor, arrival wall time)."""

    def __init__(self, url: str, cookie: str) -> None:
        self.events: list[tuple[str, int, float]] = []
        self.response = requests.get(
            f"{url}/live/stream/?watch=all", cookies={"sessionid": cookie}, stream=True, timeout=(10, 120)
        )
        self.status = self.response.status_code
        if self.status == 200:
            threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        name = None
        try:
            for line in self.response.iter_lines(chunk_size=1, decode_unicode=True):
                if line.startswith("event: "):
                    name = line[7:]
                elif line.startswith("data: ") and name:
                    self.events.append((name, int(line[6:]), time.time()))
        except (requests.RequestException, AttributeError, ValueError):
            return

    def arrival(self, cursor: int) -> float | None:
        return next((at for name, seen, at in self.events if name == "change" and seen >= cursor), None)


class Poller:
    """A page behind a proxy that buffers (or refused a stream): polls every second with its cursor."""

    def __init__(self, url: str, cookie: str) -> None:
        self.url, self.cookie = url, cookie
        self.cursor = 0
        self.changed_at: list[tuple[int, float]] = []
        self.stop = threading.Event()
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self) -> None:
        session = requests.Session()
        session.cookies.set("sessionid", self.cookie)
        while not self.stop.is_set():
            try:
                answer = session.get(
                    f"{self.url}/live/changes/?watch=all&after={self.cursor}", timeout=10
                ).json()
            except (requests.RequestException, ValueError):
                answer = None
            if answer:
                if answer["changed"]:
                    self.changed_at.append((answer["cursor"], time.time()))
                self.cursor = answer["cursor"]
            self.stop.wait(1.0)


def wait_ready(stream: Stream, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not any(name == "ready" for name, _, _ in stream.events):
        if time.monotonic() > deadline:
            raise RuntimeError("the stream sent no ready event")
        time.sleep(0.01)


def measure(backend: str, changes: int) -> dict:
    overrides = {
        # streams end with the hub: its workers are not kept waiting for them on shutdown
        "GUNICORN_CMD_ARGS": f"--worker-class gthread --threads {THREADS} --graceful-timeout 2",
        "LIVE_MAX_STREAMS": str(MAX_STREAMS),
    }
    with running_hub(backend, workers=WORKERS, **overrides) as hub:
        hub.manage("collectstatic", "--noinput")  # the pages' assets, as a deployment has them
        cookie = hub.helper("_session", script=__file__)["sessionid"]
        page = Stream(hub.url, cookie)
        wait_ready(page)
        committed = hub.helper("_changes", hub.project, str(changes), "0.3", script=__file__)
        time.sleep(1.0)
        latencies = [arrival - at for pk, at in committed if (arrival := page.arrival(pk)) is not None]
        log(f"{backend}: {len(latencies)}/{len(committed)} changes arrived")

        opened = [Stream(hub.url, cookie) for _ in range(DASHBOARDS)]
        streams = [s for s in opened if s.status == 200]
        pollers = [Poller(hub.url, cookie) for s in opened if s.status != 200]
        for stream in streams:
            wait_ready(stream)
        log(f"{backend}: {len(streams)} streams open, {len(pollers)} pages polling")
        loads = []
        for _ in range(PAGE_LOADS):
            started = time.perf_counter()
            answer = requests.get(f"{hub.url}/runs/", cookies={"sessionid": cookie}, timeout=30)
            loads.append(time.perf_counter() - started)
            assert answer.status_code == 200, answer.status_code
        log(f"{backend}: {PAGE_LOADS} page loads done")
        time.sleep(1.5)  # let every poller take its cursor
        [(pk, at)] = hub.helper("_changes", hub.project, "1", "0", script=__file__)
        time.sleep(2.5)
        stream_delays = [a - at for s in streams if (a := s.arrival(pk)) is not None]
        poll_delays = [a - at for p in pollers for cursor, a in p.changed_at if cursor >= pk]
        log(f"{backend}: the change reached {len(stream_delays)} streams and {len(poll_delays)} pollers")
        for poller in pollers:
            poller.stop.set()
        return {
            "backend": backend,
            "latency_ms": {
                "p50": 1000 * percentile(latencies, 0.5),
                "p95": 1000 * percentile(latencies, 0.95),
                "n": len(latencies),
            },
            "dashboards": {
                "open": DASHBOARDS,
                "streams": len(streams),
                "polling": len(pollers),
                "threads_held": f"{len(streams)} of {WORKERS * THREADS}",
                "page_load_ms": {"p50": 1000 * percentile(loads, 0.5), "p95": 1000 * percentile(loads, 0.95)},
                "change_to_streams_ms_p95": 1000 * percentile(stream_delays, 0.95),
                "streams_told": len(stream_delays),
                "change_to_pollers_ms_p95": 1000 * percentile(poll_delays, 0.95),
                "pollers_told": len(poll_delays),
            },
        }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", type=backend_names, default=["sqlite", "postgresql"])
    parser.add_argument("--changes", type=int, default=40)
    args = parser.parse_args()
    for backend in args.backends:
        if note := skip_note(backend):
            print(note)
            continue
        figures = measure(backend, args.changes)
        print(json.dumps(figures))
        lat, dash = figures["latency_ms"], figures["dashboards"]
        print(
            f"{backend}: commit to stream event p50 {lat['p50']:.0f} ms, p95 {lat['p95']:.0f} ms "
            f"(n={lat['n']}); 100 dashboards: {dash['streams']} streams + {dash['polling']} polling, "
            f"threads held {dash['threads_held']}, page load p50 {dash['page_load_ms']['p50']:.0f} ms "
            f"p95 {dash['page_load_ms']['p95']:.0f} ms, a change reached {dash['streams_told']} streams "
            f"(p95 {dash['change_to_streams_ms_p95']:.0f} ms) and {dash['pollers_told']} pollers "
            f"(p95 {dash['change_to_pollers_ms_p95']:.0f} ms)"
        )
    return 0


# --- Commands run inside the hub's environment (Django imported only here) -------------------------


def _session() -> dict:
    """A signed-in session of the benchmark's member, as a browser would hold."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
    from django.contrib.sessions.backends.db import SessionStore

    user = get_user_model().objects.get(username="bench")
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return {"sessionid": store.session_key}


def _changes(full_name: str, count: int, pause: float) -> list:
    """Commit ``count`` changes of the project, ``pause`` s apart; each one's id and commit time."""
    from django.db import transaction

    from hub.outbox.services.live import changed
    from hub.projects.models import Project

    project = Project.objects.get(full_name=full_name)
    done = []
    for _ in range(count):
        with transaction.atomic():
            pk = changed("run.moved", project.pk)
        done.append((pk, time.time()))
        time.sleep(pause)
    return done


if __name__ == "__main__":
    if sys.argv[1:2] and sys.argv[1].startswith("_"):
        import django

        django.setup()
        command, rest = sys.argv[1], sys.argv[2:]
        if command == "_session":
            print(json.dumps(_session()))
        elif command == "_changes":
            print(json.dumps(_changes(rest[0], int(rest[1]), float(rest[2]))))
        sys.exit(0)
    from _procs import run_main

    sys.exit(run_main(main))
