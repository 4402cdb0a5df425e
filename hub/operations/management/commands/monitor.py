"""``manage.py monitor``: poll CIs for failed runs nobody reported, once or continuously.

With ``--project`` it polls that project with its monitor's settings (or the defaults when it has none),
the flags laid over them. Without, it polls every enabled monitor: ``--once`` all of them now,
``--continuous`` each as its interval comes due, as the scheduled sweep does. One line per poll.
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError, CommandParser

from agent.lookback import parse_lookback
from hub.operations.models import Monitor
from hub.operations.services import monitor
from hub.projects.models import Project

SWEEP_SECONDS = 60


class Command(BaseCommand):
    help = "Poll CIs for failed runs the hub has not seen and feed them in as a webhook would."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--project", metavar="OWNER/NAME", help="Poll only this project.")
        parser.add_argument(
            "--lookback", metavar="DURATION", help="Look-back window, e.g. 2h (with --project)."
        )
        parser.add_argument("--workflow-filter", metavar="NAME", help="Only this workflow (with --project).")
        parser.add_argument("--branch-filter", metavar="NAME", help="Only this branch (with --project).")
        parser.add_argument(
            "--max-failures",
            type=int,
            metavar="N",
            help="Feed at most N failed runs a poll (with --project).",
        )
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument("--once", action="store_true", help="Poll once and exit (the default).")
        mode.add_argument("--continuous", action="store_true", help="Poll until interrupted.")
        parser.add_argument(
            "--interval",
            type=int,
            metavar="MINUTES",
            help="With --project --continuous: minutes between polls (default: the monitor's interval).",
        )

    def handle(self, *args, **options) -> None:
        overrides = {
            key: options[key] for key in ("lookback", "workflow_filter", "branch_filter", "max_failures")
        }
        given = [f"--{key.replace('_', '-')}" for key, value in overrides.items() if value is not None]
        if options["interval"] is not None and not (options["project"] and options["continuous"]):
            given.append("--interval")
        if not options["project"] and given:
            raise CommandError(f"{', '.join(given)} need --project; a monitor's own settings are in admin")
        if options["interval"] is not None and options["interval"] < 1:
            raise CommandError("--interval: give 1 minute or more")
        if options["project"]:
            settings = self._settings(options["project"], overrides)
            interval = options["interval"] or settings.interval_minutes
            self._repeat(lambda: [self._poll_project(settings)], options["continuous"], interval * 60)
        elif options["continuous"]:
            self._repeat(monitor.sweep, True, SWEEP_SECONDS)
        else:
            self._repeat(self._poll_all, False, 0)

    def _settings(self, full_name: str, overrides: dict) -> Monitor:
        project = Project.objects.filter(full_name=full_name).first()
        if project is None:
            raise CommandError(f"no project {full_name!r}: check the name (OWNER/NAME) in admin > Projects")
        settings = Monitor.objects.filter(project=project).first() or Monitor(project=project)
        for key, value in overrides.items():
            if value is not None:
                setattr(settings, key, value)
        try:
            parse_lookback(settings.lookback)
        except ValueError as exc:
            raise CommandError(f"--lookback {exc}") from None
        if settings.max_failures < 1:
            raise CommandError("--max-failures: give 1 or more")
        return settings

    def _poll_project(self, settings: Monitor) -> monitor.Poll:
        return monitor.poll(settings.project, monitor.Window.of(settings))

    def _poll_all(self) -> list[monitor.Poll]:
        polls = []
        for found in Monitor.objects.filter(enabled=True).select_related("project").order_by("pk"):
            result = monitor.poll_monitor(found)
            if result is not None:
                polls.append(result)
        if not polls:
            self.stderr.write("no enabled monitor: add one in admin > Monitors, or pass --project")
        return polls

    def _repeat(self, cycle, continuous: bool, seconds: int) -> None:
        try:
            while True:
                for result in cycle():
                    (self.stderr if result.error else self.stdout).write(result.line())
                if not continuous:
                    return
                time.sleep(seconds)
        except KeyboardInterrupt:
            self.stderr.write("stopped")
