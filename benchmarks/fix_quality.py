"""How good is ``orchestrate fix``? Broken repositories it must fix, and failures it must refuse.

    python benchmarks/fix_quality.py [--repeat 3] [--quick]

``_fix_cases.py`` builds each repository in a temporary directory (a real git repository), writes the
evidence a CI would hold (the real tool's output where the tool is installed, a JUnit file, or a hub
context served over HTTP on loopback), and runs ``orchestrate fix --apply --json`` in-process. A fix is
judged without the fixer's code: the tool's own check passes and the code means the same, the manifest
declares the right distribution, the test runs. Figures:

- fix rate: cases fixed right / fix cases run;
- wrong-fix rate: fixes written that the judge rejects, or written where a refusal was due / fixes
  written (target 0);
- refusals correct: refusal cases refused with the tree untouched / refusal cases run;
- seconds per fix: wall time of ``orchestrate fix`` (evidence to validated fix), the median.

Cases whose tools are not installed (prettier, gofmt, eslint, black, isort here) are listed as skipped,
not counted as failures. ``--quick`` runs each case once (the test suite's mode).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _fix_cases import Case, cases
from _fix_judges import ENV
from _table import render

from agent.cli import main
from agent.fix import tree


@dataclass
class Row:
    case: str
    kind: str
    outcome: str
    status: str
    seconds: str


def serve(context: dict) -> tuple[ThreadingHTTPServer, str]:
    """A loopback HTTP server answering the hub's context endpoint with ``context``."""
    body = json.dumps(context).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            found = self.path.startswith("/api/v1/runs/1/context")
            self.send_response(200 if found else 404)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body if found else b"{}")

        def log_message(self, *_args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def build(case: Case, base: Path) -> Path:
    root = base / "repo"
    for path, text in case.files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text)
    for argv in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "broken"]):
        subprocess.run(
            ["git", "-c", "user.email=b@example.com", "-c", "user.name=b", *argv], cwd=root, check=True
        )
    return root


def attempt(case: Case) -> tuple[str, str, float]:
    """(outcome, the fixer's status, seconds): outcome is fixed, wrong, missed, refused or not-refused."""
    with tempfile.TemporaryDirectory(prefix="fix-quality-") as temp:
        base = Path(temp)
        root = build(case, base)
        flags = case.evidence(root, base)
        env = dict(ENV)
        server = None
        if case.context is not None:
            server, url = serve(case.context)
            env |= {"ORCHESTRATE_HUB_URL": url, "ORCHESTRATE_TOKEN": "orch_a_000000000000_benchmark"}
        before = tree.digest(root)
        out = io.StringIO()
        started = time.perf_counter()
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
                main(["fix", "--repo", str(root), "--apply", "--json", *case.flags, *flags], env)
        finally:
            if server is not None:
                server.shutdown()
        seconds = time.perf_counter() - started
        status = json.loads(out.getvalue())["status"]
        untouched = tree.digest(root) == before
        if case.refuse:
            return ("refused" if status == "refused" and untouched else "not-refused"), status, seconds
        if status != "fixed":
            return ("missed" if untouched else "wrong"), status, seconds
        return ("fixed" if case.judge(root, case.files) else "wrong"), status, seconds


def main_benchmark(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs of each case (timing: the median)")
    parser.add_argument("--quick", action="store_true", help="each case once")
    args = parser.parse_args(argv)
    repeat = 1 if args.quick else args.repeat
    rows, fix_seconds = [], []
    counts = {"fix_run": 0, "fixed": 0, "written": 0, "wrong": 0, "refuse_run": 0, "refused": 0, "skipped": 0}
    for case in cases():
        missing = [tool for tool in case.tools if shutil.which(tool, path=ENV["PATH"]) is None]
        if missing:
            counts["skipped"] += 1
            rows.append(Row(case.name, case.kind, f"skipped ({', '.join(missing)} not installed)", "-", "-"))
            continue
        results = [attempt(case) for _ in range(repeat)]
        outcomes = {outcome for outcome, _, _ in results}
        outcome = outcomes.pop() if len(outcomes) == 1 else "unstable: " + "/".join(sorted(outcomes))
        seconds = statistics.median(s for _, _, s in results)
        key = "refuse_run" if case.refuse else "fix_run"
        counts[key] += 1
        counts["fixed"] += outcome == "fixed"
        counts["refused"] += outcome == "refused"
        counts["written"] += outcome in ("fixed", "wrong", "not-refused")
        counts["wrong"] += outcome in ("wrong", "not-refused")
        if outcome == "fixed":
            fix_seconds.append(seconds)
        rows.append(Row(case.name, case.kind, outcome, results[0][1], f"{seconds:.2f}"))
    columns = [("case", "case"), ("kind", "kind"), ("outcome", "outcome"), ("status", "fixer status"),
               ("seconds", "seconds")]  # fmt: skip
    print(render(rows, columns))
    print()
    fix_rate = counts["fixed"] / counts["fix_run"] if counts["fix_run"] else 0.0
    wrong_rate = counts["wrong"] / counts["written"] if counts["written"] else 0.0
    print(f"fix rate: {counts['fixed']}/{counts['fix_run']} = {fix_rate:.2f}")
    print(f"wrong-fix rate: {counts['wrong']}/{counts['written']} = {wrong_rate:.2f} (target 0)")
    print(f"refusals correct: {counts['refused']}/{counts['refuse_run']}")
    median = statistics.median(fix_seconds) if fix_seconds else 0.0
    print(f"seconds per fix (median, evidence to validated fix): {median:.2f}")
    print(f"skipped (tool not installed): {counts['skipped']}")
    return 0 if counts["wrong"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main_benchmark(sys.argv[1:]))
