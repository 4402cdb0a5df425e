"""No tables: ``ProjectMetrics`` is a proxy of ``Project`` so the admin can list each project's figures."""

from __future__ import annotations

from hub.projects.models import Project


class ProjectMetrics(Project):
    class Meta:
        proxy = True
        verbose_name = "project metrics"
        verbose_name_plural = "project metrics"
