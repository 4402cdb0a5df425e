"""``manage.py qcluster``: django-q2's command, with the cluster restarted whole when one of its processes
is killed (``hub.workers.guard``). The app comes before ``django_q`` in ``INSTALLED_APPS``, so this
command is the one that runs."""

from __future__ import annotations

import os

from django.conf import settings
from django_q.management.commands.qcluster import Command as QClusterCommand

from hub.workers.guard import run


class Command(QClusterCommand):
    help = "Start the task workers (django-q2), restarted whole if one of their processes is killed."

    def handle(self, *args, **options) -> None:
        if options.get("run_once"):
            super().handle(*args, **options)  # started and stopped at once: nothing to guard
            return
        settings.SECRET_KEY  # noqa: B018 - signing needs it, as django-q2 checks before forking
        if options.get("cluster_name"):
            os.environ["Q_CLUSTER_NAME"] = options["cluster_name"]
        status = run()
        if status != 0:
            raise SystemExit(f"qcluster: the cluster ended with status {status}; see the log above")
