"""Query-string filters for failure clusters and a run's failures; bad values are a 400 naming the field."""

from __future__ import annotations

import django_filters as filters

from hub.api.filter_fields import StrictFilterSet
from hub.failures.models import Category, Classification, Failure, FailureCluster


class ClusterFilter(StrictFilterSet):
    project = filters.CharFilter(field_name="project__full_name", help_text="The project's OWNER/NAME.")
    category = filters.ChoiceFilter(choices=Category.choices)
    sort = filters.ChoiceFilter(
        choices=(("recent", "Most recently seen first"), ("occurrences", "Most occurrences first")),
        method="keep",
        help_text="recent (default) or occurrences.",
    )

    class Meta:
        model = FailureCluster
        fields = ("project", "category")

    def keep(self, queryset, name: str, value: str):
        return queryset  # applied by the pagination's ordering


class RunFailureFilter(StrictFilterSet):
    category = filters.ChoiceFilter(choices=Category.choices)
    classification = filters.ChoiceFilter(choices=Classification.choices)

    class Meta:
        model = Failure
        fields = ("category", "classification")
