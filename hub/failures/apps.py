from django.apps import AppConfig


class FailuresConfig(AppConfig):
    name = "hub.failures"
    label = "failures"
    verbose_name = "Failure analysis"
