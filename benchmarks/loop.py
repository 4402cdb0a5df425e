"""The loop, scored: red runs -> responders -> fix jobs -> pull requests -> their CI -> the merge decision
-> merges at a fake GitHub, with simulated agents and CI whose behaviour (the truth) is known.

    .venv/bin/python benchmarks/loop.py                        # SQLite, 10 runs a scenario (~3 min)
    .venv/bin/python benchmarks/loop.py --backends sqlite,postgresql --runs 40 --seed 7
    .venv/bin/python benchmarks/loop.py --quick                # smoke test, 3 runs a scenario
    .venv/bin/python benchmarks/loop.py --json figures.json    # the figures and every outcome

Scenarios (``_loop_world.py``), each ``--runs`` times with an RNG seeded by ``--seed``: a fix that works;
a fix that breaks another test (its CI red with a new failure; the second round works half the time);
a flaky test's fix that does not fix it (the test keeps failing at ``--flaky-rate`` on every CI run of
the pull request; the hub knows the test is flaky); an agent that times out (its fix workflow ends
``timed_out`` with no pull request); a fix whose ``orchestrate validate`` fails (CI green).

The hub is real and in-process: for each backend a scratch database is migrated and
``_loop_drive.py`` runs in a subprocess with the hub's settings and ``Q_SYNC=true``, so every task (the
analysis, the responders, the fix job, fix rounds, the merge decision) runs inline after its commit, as
a worker would run it. Reports and GitHub's signed webhooks go through the hub's own HTTP views
(Django's test client); the hub calls GitHub through its own client at a fake GitHub on loopback
(``_loop_github.py``), which records every merge with the head it carried. Only GitHub and the agent
are simulated. The policy routes ``import`` and ``assertion`` failures to the fixer, with
``merge.enabled``, ``fixer.max_rounds: 2`` and re-runs off.

Printed per scenario: merged, merged wrongly, a person asked, still waiting, extra rounds, CI re-runs;
then merge precision (right merges / merges, target 100%), failures resolved without a person, red to
merged p50/p90 in *simulated* minutes (the agent's and CI's durations, drawn) with the hub's own wall
seconds for the last step beside it, and the rounds and re-runs wasted on fixes not rightly merged.
Two baselines, scored on the same CI runs in the same run: a naive policy that merges the first time
the pull request's CI is green, and the truth's own (merge the first green run of a good head), the
best any decision could do on these runs. The exit status is 1 when the hub's merge precision is under 100%.
This process never imports Django.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _hub import REPO, backend_names, hub_environment, log, scratch_backend, skip_note
from _loop_score import POLICY_COLUMNS, SCENARIO_COLUMNS, figures, policy_rows, scenario_rows
from _loop_world import SCENARIOS
from _table import render

TIMEOUT = 1800.0
DATABASE = "orchestrate_bench_loop"


def play(backend_name: str, config: dict) -> dict:
    """The scenarios played against a fresh hub on ``backend_name``: the drive's JSON document."""
    with (
        tempfile.TemporaryDirectory(prefix="orchestrate-bench-") as tmp,
        scratch_backend(backend_name, Path(tmp), DATABASE) as backend,
    ):
        env = {**hub_environment(backend, Path(tmp)), "Q_SYNC": "true"}
        log(f"{backend_name}: migrating")
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "-v", "0"],
            cwd=REPO,
            env=env,
            check=True,
            capture_output=True,
            timeout=TIMEOUT,
        )
        log(f"{backend_name}: {config['runs']} runs of each of {len(config['scenarios'])} scenarios")
        done = subprocess.run(
            [sys.executable, str(Path(__file__).with_name("_loop_drive.py")), json.dumps(config)],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
        )
        if done.returncode:
            raise SystemExit(f"{backend_name}: the drive failed:\n{done.stderr[-4000:]}")
        return json.loads(done.stdout)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", type=backend_names, default=["sqlite"])
    parser.add_argument("--runs", type=int, default=10, help="instances of each scenario (default 10)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--flaky-rate", type=float, default=0.3, help="the unfixed flaky test's failure rate")
    parser.add_argument("--scenarios", default=",".join(SCENARIOS), help=f"some of {', '.join(SCENARIOS)}")
    parser.add_argument("--json", type=Path, help="write the figures and every outcome here")
    parser.add_argument("--quick", action="store_true", help="smoke test: 3 runs a scenario on SQLite")
    args = parser.parse_args(argv)
    if args.quick:
        args.runs, args.backends = 3, ["sqlite"]
    scenarios = [name.strip() for name in args.scenarios.split(",") if name.strip()]
    unknown = sorted(set(scenarios) - set(SCENARIOS))
    if unknown:
        parser.error(f"unknown scenario(s) {', '.join(unknown)}: use {', '.join(SCENARIOS)}")
    config = {"seed": args.seed, "runs": args.runs, "flaky_rate": args.flaky_rate, "scenarios": scenarios}
    report, failed = {"config": config, "backends": {}}, False
    for name in args.backends:
        note = skip_note(name)
        if note:
            log(note)
            continue
        played = play(name, config)
        numbers = figures(played["outcomes"])
        report["backends"][name] = {**played, "figures": numbers}
        print(
            f"\n{name}: seed {args.seed}, {args.runs} runs a scenario, flaky rate {args.flaky_rate}, "
            f"{played['seconds']:.0f} s"
        )
        print(render(scenario_rows(played["outcomes"]), SCENARIO_COLUMNS))
        print()
        print(render(policy_rows(numbers), POLICY_COLUMNS))
        if played["unknown_requests"]:
            print(f"requests the fake GitHub does not serve: {', '.join(played['unknown_requests'])}")
        precision = numbers["hub"]["precision"]
        if precision is not None and precision < 1:
            failed = True
            print(f"FAIL: merge precision {100 * precision:.0f}% (target 100%)")
    if args.json:
        args.json.write_text(json.dumps(report, indent=1))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
