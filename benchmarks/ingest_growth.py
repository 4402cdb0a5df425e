"""Whether the hub's ingest slows as history grows: the same large report posted many times in a row.

    python benchmarks/ingest_growth.py [--posts 40] [--cases 100000] [--backends sqlite,postgresql] [--quick]

Why: a suite's upload adds one result to every one of its tests. An index keyed by test spreads those
rows over the whole index, so each upload rewrites a share of it that grows with the table, and ingest
slows down with every run stored (the results table once had such a history index; segments,
``hub/runs/services/segments.py``, keep an upload's rows in one bounded part of it). A single timed post,
as in ``ingest.py``, cannot show that; a run of posts can.

For each backend the hub runs as in ``ingest.py`` (gunicorn, two sync workers, a scratch database) and
this process posts ``--posts`` reports of ``--cases`` cases one after another, each a new run and job of
the same suite. Per post it records:

* the time from request to committed answer (client round trip, loopback);
* what the post wrote. SQLite: the bytes the hub's workers wrote (``write_bytes`` of ``/proc/PID/io``,
  summed over the workers), which holds the WAL and the checkpoint that copies it into the database.
  PostgreSQL: the WAL the server wrote (``pg_current_wal_lsn()``) plus the data pages the post dirtied,
  which the server writes back sooner or later: buffers written back (``pg_stat_bgwriter``: checkpoint +
  clean + backend) plus the change in dirty buffers (``pg_buffercache``), times the block size (see
  ``ServerWrites`` for why not the write-back alone). The counters are read once they have stood still
  after the answer, so the WAL checkpoint SQLite runs in the background after a large upload is counted
  with the post that caused it, and the next post starts on a quiet database.

The first post creates the suite's tests and is left out. The table compares the first posts after it
with the last ones (``WINDOW`` posts each: the median time, the mean bytes; ``compare`` says why) and
prints their ratio; ingest stays flat when neither the time nor the bytes grew by more than
``TIME_RATIO_LIMIT`` and ``BYTES_RATIO_LIMIT``. PostgreSQL's counters are the whole server's: run it on a
server nothing else is using.

``--quick`` posts 8 reports of 20k cases: a smoke test; its verdicts are indicative only.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import requests
from _hub import Hub, backend_names, log, running_hub, skip_note  # the script's dir
from _table import render
from ingest import BenchError, Poster, Reports, closing_line, kilo, load_average, stored_results

TIME_RATIO_LIMIT = 1.25  # last posts' median time / first posts' median time
BYTES_RATIO_LIMIT = 1.25  # the same for the bytes a post wrote
WINDOW = 5  # posts compared at each end (fewer when there are few posts)
SETTLE_QUIET = 0.5  # seconds a write counter must stand still before a post's bytes are read
SETTLE_LIMIT = 10.0  # seconds; a counter still moving then is read as it is (and the next post pays)
SETTLE_POLL = 0.05
DATABASE = "orchestrate_bench_growth"  # its own scratch database: ingest.py's may be in use
MB = 1_000_000

Log = Callable[[str], None]


@dataclass(frozen=True)
class Plan:
    posts: int = 40
    cases: int = 100_000
    quick: bool = False


QUICK = Plan(posts=8, cases=20_000, quick=True)


@dataclass(frozen=True)
class Post:
    """One post: its time, what it wrote (bytes by counter name) and the results stored after it."""

    number: int
    seconds: float
    written: dict[str, int]
    stored: int


@dataclass(frozen=True)
class Row:
    backend: str
    figure: str
    first: str
    last: str
    ratio: str = "-"
    limit: str = "-"
    verdict: str = "-"


# --- What a post wrote -----------------------------------------------------------------------------


class WorkerWrites:
    """Bytes the hub's worker processes sent to storage, from ``/proc/PID/io`` (needs the same user)."""

    names = ("workers' writes",)

    def __init__(self, hub: Hub) -> None:
        self.pids = hub.worker_pids()

    def read(self) -> tuple[int, ...]:
        total = 0
        for pid in self.pids:
            try:
                lines = Path(f"/proc/{pid}/io").read_text().splitlines()
            except OSError as exc:
                raise BenchError(f"cannot read /proc/{pid}/io (did a worker restart?): {exc}") from exc
            total += next(int(line.split()[1]) for line in lines if line.startswith("write_bytes:"))
        return (total,)

    def nudge(self) -> None:
        pass

    def close(self) -> None:
        pass


class ServerWrites:
    """The WAL a PostgreSQL server wrote, and the data pages it dirtied (each written back sooner or later).

    Pages are counted as they turn dirty, not as they are written back: write-back lags by up to the size
    of ``shared_buffers`` (the first posts of a run dirty a clean cache and write little back, later ones
    write back about what they dirty) and checkpoints write in bursts, so written-back bytes compare the
    cache's state, not the posts. A page that turned dirty has since been written back (``pg_stat_bgwriter``:
    checkpoint + clean + backend) or is dirty still (``pg_buffercache``): the sum counts each once, whenever
    its write comes. Without that extension the figure is the buffers written back alone; PostgreSQL 17
    moved ``pg_stat_bgwriter``'s columns, and there only the WAL is read. All are the whole server's; the
    extension and the wake-up in ``nudge`` take a superuser, as the benchmark's server URL is.
    """

    WAL = "SELECT pg_current_wal_lsn() - '0/0'::pg_lsn"
    WRITTEN = "SELECT buffers_checkpoint + buffers_clean + buffers_backend FROM pg_stat_bgwriter"
    DIRTY = "SELECT count(*) FROM pg_buffercache WHERE isdirty"

    def __init__(self, database_url: str) -> None:
        import psycopg

        self.conn = psycopg.connect(database_url, autocommit=True)
        (self.block,) = self.conn.execute("SELECT current_setting('block_size')::int").fetchone()
        written = self._runs(self.WRITTEN)
        dirty = written and self._runs("CREATE EXTENSION IF NOT EXISTS pg_buffercache")  # scratch database
        self.pages = [self.WRITTEN, self.DIRTY][: written + dirty]
        self.wakes = written and self._runs("SELECT pg_reload_conf()")
        self.names: tuple[str, ...] = ("WAL",)
        if self.pages:
            self.names += ("pages dirtied" if dirty else "buffers written back",)

    def _runs(self, query: str) -> bool:
        import psycopg

        try:
            self.conn.execute(query)
        except psycopg.Error:  # a missing column, extension or privilege
            return False
        return True

    def nudge(self) -> None:
        """Wake the checkpointer. Backends' writes reach ``pg_stat_bgwriter`` through it, and only when it
        wakes, which between checkpoints may take minutes: their count would land on a later post. A
        configuration reload wakes it and changes nothing."""
        if self.wakes:
            self.conn.execute("SELECT pg_reload_conf()")

    def read(self) -> tuple[int, ...]:
        (wal,) = self.conn.execute(self.WAL).fetchone()
        if not self.pages:
            return (int(wal),)
        pages = sum(self.conn.execute(query).fetchone()[0] for query in self.pages)
        return int(wal), int(pages) * self.block

    def close(self) -> None:
        self.conn.close()


def settled(meter: WorkerWrites | ServerWrites) -> tuple[tuple[int, ...], bool]:
    """The meter's reading once it has stood still for ``SETTLE_QUIET``; and whether it did within
    ``SETTLE_LIMIT``."""
    meter.nudge()
    reading = meter.read()
    deadline = time.monotonic() + SETTLE_LIMIT
    still_since = time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(SETTLE_POLL)
        now = meter.read()
        if now != reading:
            still_since = time.monotonic()
        reading = now
        if time.monotonic() - still_since >= SETTLE_QUIET:
            return reading, True
    return reading, False


# --- The run of posts ------------------------------------------------------------------------------


def post_in_a_row(hub: Hub, reports: Reports, plan: Plan, log: Log) -> list[Post]:
    report = reports[plan.cases]
    meter = WorkerWrites(hub) if hub.backend.path else ServerWrites(hub.backend.url)
    posts, stored = [], 0
    try:
        with requests.Session() as session:
            poster = Poster(hub, session)
            before, _ = settled(meter)
            for number in range(1, plan.posts + 1):
                seconds, answer = poster.post(report)
                after, quiet = settled(meter)
                stored += answer["results"]
                written = {name: b - a for name, b, a in zip(meter.names, after, before, strict=True)}
                posts.append(Post(number, seconds, written, stored))
                before = after
                log(
                    f"  post {number:3d}: {seconds:.3f} s, "
                    + ", ".join(f"{name} {size / MB:.1f} MB" for name, size in written.items())
                    + f", {results(stored)} results stored"
                    + ("" if quiet else f" (still writing after {SETTLE_LIMIT:.0f} s)")
                )
    finally:
        meter.close()
    counted = stored_results(hub.backend)
    if counted != stored:
        raise BenchError(f"the hub answered {stored} results in all, but the table holds {counted}")
    return posts


def windows(count: int) -> tuple[range, range]:
    """The numbers of the first posts after the one that created the tests, and of the last ones; the
    two never overlap."""
    size = min(WINDOW, (count - 1) // 2)
    return range(2, 2 + size), range(count - size + 1, count + 1)


def span(numbers: range) -> str:
    return f"posts {numbers[0]}-{numbers[-1]}" if len(numbers) > 1 else f"post {numbers[0]}"


def compare(backend: str, posts: Sequence[Post], quick: bool) -> list[Row]:
    """Rows comparing the first window with the last. Times are medians: a post slowed by something
    else drops out. Bytes are means, the window's total over its posts: a write counted late (the server
    reports some in batches) moves to a neighbouring post but stays in the window, where a median would
    drop it or count it twice."""
    first, last = ([posts[n - 1] for n in numbers] for numbers in windows(len(posts)))

    def row(figure: str, summary: Callable[[list[Post]], float], limit: float | None = None) -> Row:
        a, b = summary(first), summary(last)
        shown = (lambda v: f"{v:.3f} s") if summary is median_time else (lambda v: f"{v / MB:.1f} MB")
        ratio = b / a if a else float("inf")
        verdict = _verdict(ratio <= limit, quick) if limit else "-"
        return Row(
            backend, figure, shown(a), shown(b), f"{ratio:.2f}", f"<= {limit}" if limit else "-", verdict
        )

    names = list(posts[0].written)
    rows = [
        Row(backend, "results stored", stored(first), stored(last)),
        row("request to committed, median", median_time, TIME_RATIO_LIMIT),
        row(f"{' + '.join(names)} per post, mean", mean_bytes(*names), BYTES_RATIO_LIMIT),
    ]
    if len(names) > 1:
        rows += [row(f"  {name}, mean", mean_bytes(name)) for name in names]
    return rows


def median_time(window: Sequence[Post]) -> float:
    return statistics.median(post.seconds for post in window)


def mean_bytes(*names: str) -> Callable[[Sequence[Post]], float]:
    return lambda window: statistics.fmean(sum(post.written[name] for name in names) for post in window)


def stored(window: Sequence[Post]) -> str:
    low, high = results(window[0].stored), results(window[-1].stored)
    return low if low == high else f"{low}-{high}"


def results(count: int) -> str:
    return f"{count / 1e6:.2f}M" if count >= 1_000_000 else f"{count / 1000:.0f}k"


def _verdict(ok: bool, quick: bool) -> str:
    return ("PASS" if ok else "FAIL") + (" (quick)" if quick else "")


def flat(rows: Sequence[Row]) -> bool:
    return not any(row.verdict.startswith("FAIL") for row in rows)


def bench_backend(name: str, reports: Reports, plan: Plan, log: Log) -> tuple[list[Row], list[Post]]:
    started = time.monotonic()
    with running_hub(name, database=DATABASE) as hub:
        log(f"{name}: hub at {hub.url}, workers {hub.worker_pids()}, load average {load_average()}")
        posts = post_in_a_row(hub, reports, plan, log)
    log(f"{name}: done in {time.monotonic() - started:.0f} s, load average {load_average()}")
    return compare(name, posts, plan.quick), posts


# --- Output ----------------------------------------------------------------------------------------


def table(rows: Sequence[Row], first: str, last: str) -> str:
    columns = (
        ("backend", "backend"),
        ("figure", "figure"),
        ("first", first),
        ("last", last),
        ("ratio", "last/first"),
        ("limit", "flat when"),
        ("verdict", "result"),
    )
    return render(rows, columns)


def positive(text: str) -> int:
    try:
        value = int(text.replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], prog="benchmarks/ingest_growth.py")
    parser.add_argument("--posts", type=positive, help="reports posted in a row (default 40; --quick 8)")
    parser.add_argument("--cases", type=positive, help="cases a report (default 100000; --quick 20000)")
    parser.add_argument(
        "--backends",
        type=backend_names,
        default="sqlite,postgresql",
        help="comma-separated: sqlite, postgresql (skipped with a message when unreachable)",
    )
    parser.add_argument("--quick", action="store_true", help="8 posts of 20k cases: a smoke test")
    parser.add_argument(
        "--json", type=Path, metavar="FILE", help="also write the rows and every post as JSON"
    )
    parser.add_argument("--strict", action="store_true", help="exit 1 when ingest does not stay flat")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    plan = QUICK if args.quick else Plan()
    plan = Plan(args.posts or plan.posts, args.cases or plan.cases, plan.quick)
    if plan.posts < 3:
        print("--posts must be at least 3: one creates the tests, then a first and a last", file=sys.stderr)
        return 2
    backends = args.backends
    started = time.monotonic()
    reports = Reports()
    report = reports[plan.cases]
    log(
        f"{plan.posts} posts of {kilo(plan.cases)} cases ({report.results} results, "
        f"{len(report.cases_gzip) / MB:.1f} MB gzip) a backend"
    )
    rows: list[Row] = []
    series: dict[str, list[dict]] = {}
    notes = []
    for name in backends:
        if note := skip_note(name):
            notes.append(note)
            log(note)
            continue
        try:
            backend_rows, posts = bench_backend(name, reports, plan, log)
        except BenchError as exc:
            log(f"{name}: {exc}")
            return 2
        rows += backend_rows
        series[name] = [asdict(post) for post in posts]
        notes.append(
            f"{name}: ingest "
            + ("stays flat" if flat(backend_rows) else "grows with the history")
            + f" over {plan.posts} posts (time <= {TIME_RATIO_LIMIT}x and bytes <= {BYTES_RATIO_LIMIT}x)"
        )
    first, last = windows(plan.posts)
    title = f"Hub ingest as history grows: {plan.posts} posts of {kilo(plan.cases)} cases in a row" + (
        " (--quick: smoke sizes; verdicts indicative)" if plan.quick else ""
    )
    print(f"\n{title}\n\n{table(rows, span(first), span(last))}\n")
    for note in notes:
        print(note)
    print(closing_line(started))
    if args.json:
        document = {"plan": asdict(plan), "rows": [asdict(row) for row in rows], "posts": series}
        args.json.write_text(json.dumps(document, indent=2) + "\n")
    return 1 if args.strict and not flat(rows) else 0


if __name__ == "__main__":
    sys.exit(main())
