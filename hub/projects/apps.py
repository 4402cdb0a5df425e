from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    name = "hub.projects"
    label = "projects"
    verbose_name = "Projects and tokens"
