from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "hub.integrations"
    label = "integrations"
    verbose_name = "Provider integrations"
