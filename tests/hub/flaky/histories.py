"""Build a test's history as detection sees it (``Outcome`` rows), one job at a time, in plain words.

``h.main("p", "f", "p")`` adds three default-branch runs on three new commits; ``h.job("failed",
"passed")`` adds one job with two attempts (the last is final). Ids grow in the order things are added,
as the hub's result ids do.
"""

from __future__ import annotations

from hub.flaky.detection import Outcome

STATUS = {"p": "passed", "f": "failed", "e": "error", "s": "skipped"}


class History:
    def __init__(self) -> None:
        self.rows: list[Outcome] = []
        self._result = 0
        self._job = 0
        self._commit = 0

    def commit(self) -> str:
        self._commit += 1
        return f"{self._commit:040x}"

    def job(
        self,
        *attempts: str,
        sha: str | None = None,
        default: bool = True,
        pull_request: int | None = None,
        job_name: str = "test",
        infra: bool = False,
        run: int | None = None,
        duration: float = 1.0,
    ) -> History:
        """One job of one run: its attempts of this test, the last one final."""
        self._job += 1
        sha = sha or self.commit()
        run = run if run is not None else self._job
        for index, status in enumerate(attempts):
            self._result += 1
            self.rows.append(
                Outcome(
                    result_id=self._result,
                    run_id=run,
                    sha=sha,
                    branch="main" if default else "feature",
                    on_default_branch=default,
                    pull_request=pull_request,
                    job_id=self._job,
                    job_name=job_name,
                    attempt=index + 1,
                    final=index == len(attempts) - 1,
                    status=STATUS.get(status, status),
                    duration=duration,
                    at=self._result,
                    infra=infra,
                )
            )
        return self

    def main(self, *outcomes: str) -> History:
        """Default-branch runs, one per letter (p passed, f failed), each on a new commit."""
        for letters in outcomes:
            for letter in letters:
                self.job(letter)
        return self

    @property
    def last_sha(self) -> str:
        return self.rows[-1].sha

    @property
    def newest(self) -> int:
        return self._result


def replay(history: History, previous: str = "healthy", rules=None, window: int | None = None) -> list[str]:
    """Judge after every job, carrying the state and the spent evidence forward as the hub does after
    each ingest; return the state after each job. ``window``: judge only the newest rows, as many as the
    hub reads per test."""
    from hub.flaky.detection import DEFAULT_RULES, judge

    state, spent, states = previous, 0, []
    jobs: list[int] = []
    for row in history.rows:
        if row.job_id not in jobs:
            jobs.append(row.job_id)
    for count in range(1, len(jobs) + 1):
        seen = set(jobs[:count])
        rows = [r for r in history.rows if r.job_id in seen]
        verdict = judge(
            rows[-window:] if window else rows,
            previous=state,
            evidence_after=spent,
            rules=rules or DEFAULT_RULES,
        )
        if verdict.clears:
            spent = verdict.newest_result_id
        state = verdict.state
        states.append(state)
    return states
