from django.apps import AppConfig


class RunsConfig(AppConfig):
    name = "hub.runs"
    label = "runs"
    verbose_name = "Runs and test results"
