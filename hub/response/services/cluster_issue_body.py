"""What a failure cluster's issue says: gathered from the cluster and its failures, rendered as Markdown.

``gather`` reads the facts (the cluster's normalised message, category and rule, counts, the tests it
touched, its first sighting on the default branch, one example message); ``render`` is a pure function of
them. The normalised message and the example are failures' own text, so they go through the agent's
redaction (``agent.redact``) and are cut short. The body starts with a hidden marker naming the cluster
(``<!-- orchestrate:cluster:<id> -->``), by which the responder finds the issue before filing one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.db.models import Q

from agent.redact import redact
from hub.failures.models import ClusterTest, FailureCluster, JobFailure
from hub.response.services.issue_body import MAX_BODY, MAX_TITLE, cut, fold, stamp
from hub.runs.models import Run

MAX_TESTS = 20
MAX_EXAMPLE = 2000


def marker(cluster_id: int) -> str:
    return f"<!-- orchestrate:cluster:{cluster_id} -->"


@dataclass(frozen=True)
class ClusterFacts:
    cluster_id: int
    normalised: str
    category: str
    rule: str
    occurrences: int
    tests_touched: int
    page_url: str
    branch: str
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    first_run: str = ""  # the first run on the default branch: its link text, address and commit
    first_run_url: str = ""
    first_sha: str = ""
    tests: list[str] = field(default_factory=list)
    example: str = ""
    cleared: str | None = None  # why the cluster is over, when it is


def gather(cluster: FailureCluster, branch: str, cleared: str | None = None) -> ClusterFacts:
    first = first_run_on(cluster, branch)
    members = (
        ClusterTest.objects.filter(cluster=cluster).select_related("test").order_by("-occurrences", "id")
    )
    example = (
        cluster.example
        or JobFailure.objects.filter(cluster=cluster).values_list("excerpt", flat=True).first()
    )
    return ClusterFacts(
        cluster_id=cluster.pk,
        normalised=redact(cluster.normalised),
        category=cluster.category,
        rule=cluster.rule,
        occurrences=cluster.occurrences,
        tests_touched=cluster.tests,
        page_url=f"{settings.SITE_URL}/admin/failures/failurecluster/{cluster.pk}/change/",
        branch=branch,
        first_seen=cluster.first_seen,
        last_seen=cluster.last_seen,
        first_run=f"{first.provider_run_id} (attempt {first.attempt})" if first else "",
        first_run_url=(first.url or f"{settings.SITE_URL}/admin/runs/run/{first.pk}/change/")
        if first
        else "",
        first_sha=first.commit_sha[:12] if first else "",
        tests=[str(member.test) for member in members[:MAX_TESTS]],
        example=cut(redact(example or ""), MAX_EXAMPLE),
        cleared=cleared,
    )


def first_run_on(cluster: FailureCluster, branch: str) -> Run | None:
    """The earliest run on ``branch`` in which the cluster failed a test or a job."""
    seen = Q(failures__cluster=cluster) | Q(jobs__failure__cluster=cluster)
    return (
        Run.objects.filter(seen, project_id=cluster.project_id, branch=branch)
        .order_by("created_at", "id")
        .first()
    )


def title(facts: ClusterFacts) -> str:
    first_line = facts.normalised.strip().splitlines()[0] if facts.normalised.strip() else "(no message)"
    return fold(f"Failure cluster: {first_line}", MAX_TITLE)


def render(facts: ClusterFacts) -> str:
    fence = "~~~~" if "```" in facts.example else "```"
    status = (
        f"It is over: {facts.cleared}."
        if facts.cleared
        else f"It is seen on `{fold(facts.branch, 100)}`, the project's default branch."
    )
    rule = f", rule `{fold(facts.rule, 100)}`" if facts.rule else ""
    lines = [
        marker(facts.cluster_id),
        f"A failure cluster (**{facts.category}**{rule}): "
        "failures whose messages match once numbers, ids, paths and times are masked. " + status,
        "",
        "This issue follows the cluster: Orchestrate updates it in place as it recurs, closes it when the "
        "cluster goes quiet or all its tests pass again, and reopens it if the cluster comes back.",
        "",
        "### Message (normalised)",
        f"`{fold(facts.normalised)}`",
        "",
        "### Counts",
        f"- Occurrences: {facts.occurrences}; tests touched: {facts.tests_touched}",
        f"- First seen: {stamp(facts.first_seen)}; last seen: {stamp(facts.last_seen)}",
        f"- First on `{fold(facts.branch, 100)}`: "
        + (
            f"[run {facts.first_run}]({facts.first_run_url}) at {facts.first_sha}"
            if facts.first_run
            else "unknown"
        ),
        "",
        f"### Tests touched (up to {MAX_TESTS})",
        *([f"- `{fold(test)}`" for test in facts.tests] or ["- none (a job failed without test reports)"]),
        "",
        "### Example (secrets redacted)",
        fence,
        *facts.example.splitlines(),
        fence,
        "",
        f"[The cluster in Orchestrate]({facts.page_url})",
    ]
    return cut("\n".join(lines), MAX_BODY)
