"""``/clusters/``: failure clusters, most recently seen first, each with a sparkline of daily counts;
``/clusters/<id>/``: one cluster with the tests it touched and its latest failures."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from agent.redact import redact
from hub.api.viewsets.failures import ClusterPagination
from hub.dashboard import charts
from hub.dashboard.paging import page
from hub.failures.models import Category, ClusterTest, Failure, FailureCluster
from hub.projects.models import Project
from hub.projects.services import visible

SPARK_DAYS = 14
SPARK = (112, 24)
MEMBERS = 50
LATEST = 20


def daily_counts(cluster_ids: list[int], days: int = SPARK_DAYS) -> dict[int, list[int]]:
    """Failures per cluster per day over the last ``days`` days (UTC), oldest first, in one query.

    One conditional count per day over the raw column, not a GROUP BY on its date: SQLite computes a
    date through a Python function called per row (~15 us each), which made a 10,000-failure cluster's
    sparkline cost more than the rest of its page."""
    today = timezone.now().replace(hour=0, minute=0, second=0, microsecond=0)
    starts = [today - timedelta(days=days - 1 - n) for n in range(days + 1)]
    starts[-1] = today + timedelta(days=1)
    per_day = {
        f"day{n}": Count("pk", filter=Q(created_at__gte=starts[n], created_at__lt=starts[n + 1]))
        for n in range(days)
    }
    rows = (
        Failure.objects.filter(cluster_id__in=cluster_ids, created_at__gte=starts[0])
        .values("cluster_id")
        .annotate(**per_day)
    )
    found = {row["cluster_id"]: [row[f"day{n}"] for n in range(days)] for row in rows}
    return {cid: found.get(cid, [0] * days) for cid in cluster_ids}


@login_required
def clusters(request):
    found = visible(FailureCluster.objects.select_related("project"), request.user)
    project = request.GET.get("project", "").strip()
    if project:
        found = found.filter(project__full_name=project)
    category = request.GET.get("category", "")
    if category in Category.values:
        found = found.filter(category=category)
    shown = page(ClusterPagination, found, request)
    counts = daily_counts([c.pk for c in shown.rows])
    width, height = SPARK
    for cluster in shown.rows:
        cluster.normalised = redact(cluster.normalised)  # masked of numbers, not of secrets
        cluster.spark = charts.bars(counts[cluster.pk], width, height)
        cluster.spark_label = f"{sum(counts[cluster.pk])} failures in the last {SPARK_DAYS} days"
    context = {
        "page": shown,
        "spark": {"width": width, "height": height, "days": SPARK_DAYS},
        "projects": visible(Project.objects.all(), request.user, "").values_list("full_name", flat=True),
        "categories": Category.choices,
        "given": {"project": project, "category": category, "sort": request.GET.get("sort", "recent")},
    }
    return render(request, "dashboard/clusters.html", context)


@login_required
def cluster(request, cluster_id: int):
    found = get_object_or_404(
        visible(FailureCluster.objects.select_related("project"), request.user), pk=cluster_id
    )
    # Each list is read off its index (clustertest_cluster_recent; failure_cluster_day) and only then joins
    # its rows' tests and runs: a join before the LIMIT let PostgreSQL, its statistics behind a bulk load,
    # look up the test of every member of a 10,000-test cluster and sort them all (45-70 ms a list).
    members = ClusterTest.objects.filter(cluster=found).order_by("-last_seen", "-id").prefetch_related("test")
    latest = Failure.objects.filter(cluster=found).order_by("-created_at", "-id")
    latest = latest.prefetch_related("run", "test")
    found.normalised, found.example = redact(found.normalised), redact(found.example)
    width, height = SPARK
    context = {
        "cluster": found,
        "members": list(members[:MEMBERS]),
        "latest": list(latest[:LATEST]),
        "spark": charts.bars(daily_counts([found.pk])[found.pk], width, height),
        "size": {"width": width, "height": height, "days": SPARK_DAYS},
    }
    return render(request, "dashboard/cluster.html", context)
