from django.apps import AppConfig


class MetricsConfig(AppConfig):
    name = "hub.metrics"
    label = "metrics"
    verbose_name = "Metrics"
