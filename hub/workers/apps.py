from django.apps import AppConfig


class WorkersConfig(AppConfig):
    name = "hub.workers"
    label = "workers"
    verbose_name = "Task workers"
