"""``/clusters/``: failure clusters, most recently seen first, each with a sparkline of daily counts;
``/clusters/<id>/``: one cluster with the tests it touched and its latest failures."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.db.models.functions import TruncDate
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from hub.api.viewsets.failures import ClusterPagination
from hub.dashboard import charts
from hub.dashboard.paging import page
from hub.failures.models import Category, ClusterTest, Failure, FailureCluster
from hub.projects.models import Project
from hub.projects.services import visible

SPARK_DAYS = 14
SPARK = (112, 24)
MEMBERS = 100
LATEST = 20


def daily_counts(cluster_ids: list[int], days: int = SPARK_DAYS) -> dict[int, list[int]]:
    """Failures per cluster per day (UTC) over the last ``days`` days, oldest first, in one query."""
    today = timezone.now().date()
    first = today - timedelta(days=days - 1)
    rows = (
        Failure.objects.filter(cluster_id__in=cluster_ids, created_at__date__gte=first)
        .annotate(day=TruncDate("created_at"))
        .values("cluster_id", "day")
        .annotate(failures=Count("pk"))
        .values_list("cluster_id", "day", "failures")
    )
    counts = {(cluster, day): failures for cluster, day, failures in rows}
    span = [first + timedelta(days=n) for n in range(days)]
    return {cid: [counts.get((cid, day), 0) for day in span] for cid in cluster_ids}


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
        cluster.spark = charts.bars(counts[cluster.pk], width, height)
        cluster.spark_total = sum(counts[cluster.pk])
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
    members = ClusterTest.objects.filter(cluster=found).select_related("test").order_by("-last_seen", "-id")
    latest = Failure.objects.filter(cluster=found).select_related("run", "test")
    latest = latest.order_by("-created_at", "-id")
    width, height = SPARK
    context = {
        "cluster": found,
        "members": list(members[:MEMBERS]),
        "latest": list(latest[:LATEST]),
        "spark": charts.bars(daily_counts([found.pk])[found.pk], width, height),
        "size": {"width": width, "height": height, "days": SPARK_DAYS},
    }
    return render(request, "dashboard/cluster.html", context)
