"""``manage.py seed_demo``: demo projects with weeks of CI history, sent through the real ingest API.

The projects, people, memberships and agent tokens are created here (they are set-up, not CI data); every
run, job, result and coverage report arrives as a gzip report document posted to ``POST /api/v1/reports``
with the project's agent token, exactly as the agent sends it. By default the posts go in-process through
Django's test ``Client`` (the real URL, middleware, authentication and view; no server needed); ``--url``
sends them over HTTP to a running hub that shares this database. Idempotency keys are derived from the run,
attempt and job, and the window's last day is remembered on the projects, so seeding again stores nothing.
"""

from __future__ import annotations

import gzip
import json
import logging
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from datetime import date

import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from hub.demo.generator import DemoUpload, generate
from hub.demo.quarantine import quarantine_flakiest
from hub.demo.response import respond
from hub.demo.suites import PROJECTS, USERS
from hub.projects import services
from hub.projects.models import AgentToken, Membership, Project

SEEDER_TOKEN = "demo seeder"  # noqa: S105 - the token's label, not a secret
ADMIN = "admin"
VIEWER = "viewer"  # a read-only member of every demo project, signing in with the admin's password
DEFAULT_PASSWORD = "admin"  # noqa: S105 - the demo's published login, printed at the end
MAX_THROTTLE_WAITS = 5


class Command(BaseCommand):
    help = "Create demo projects and post a few weeks of realistic CI reports to them through the ingest API."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--days", type=int, default=21, help="Days of history (default 21).")
        parser.add_argument("--seed", type=int, default=7, help="Seed for the dice; same seed, same demo.")
        parser.add_argument(
            "--url",
            help="Post over HTTP to the hub at this base URL (sharing this database) instead of in-process.",
        )
        parser.add_argument(
            "--admin-password",
            default=DEFAULT_PASSWORD,
            help="Password of the demo superuser 'admin' (default: admin).",
        )
        parser.add_argument(
            "--end",
            type=date.fromisoformat,
            metavar="YYYY-MM-DD",
            help="The day after the last day of history (default: the day the demo was "
            "first seeded, else today).",
        )

    def handle(
        self, *args, days: int, seed: int, url: str | None, admin_password: str, end: date | None, **opts
    ):
        if days < 1:
            raise CommandError("--days must be at least 1.")
        started = time.perf_counter()
        with transaction.atomic():
            ensure_admin(admin_password)
            projects = ensure_projects()
            ensure_viewer(projects, admin_password)
            end = remember_end(projects, end or stored_end(projects) or timezone.now().date())
            tokens = {name: issue_seeder_token(project) for name, project in projects.items()}
        # Over HTTP the receiving hub's workers analyse what it receives; in-process, this command does.
        poster = HttpPoster(url) if url else ClientPoster()
        with nullcontext() if url else analysing_inline():
            tally = self.post_all(poster, tokens, seed, days, end)
        for name, test in quarantine_flakiest(projects).items():
            self.stdout.write(f"Quarantined in {name}: {test} (its owner's decision, for the dashboard)")
        for line in respond(projects):
            self.stdout.write(f"Responded in {line}")
        self.report(tally, projects, tokens, seed, days, end, admin_password, time.perf_counter() - started)

    def post_all(self, poster, tokens: dict[str, str], seed: int, days: int, end: date) -> Tally:
        tally = Tally()
        for upload in generate(seed, days, end):
            body = gzip.compress(json.dumps(upload.document, separators=(",", ":")).encode(), 5, mtime=0)
            status, answer, replayed = poster.post(tokens[upload.project], upload.idempotency_key, body)
            if status != 201:
                hint = (
                    " (the upload throttle: raise THROTTLE_UPLOADS, e.g. 100000/hour)"
                    if status == 429
                    else ""
                )
                raise CommandError(
                    f"The hub refused {upload.idempotency_key} with {status}{hint}: {answer}. What was "
                    "stored stays and is not sent twice: fix the cause and run seed_demo again."
                )
            tally.add(upload, answer, replayed=replayed)
        return tally

    def report(self, tally, projects, tokens, seed, days, end, password, seconds) -> None:
        out = self.stdout.write
        out(f"Demo: the {days} days of CI history before {end} (seed {seed}), through POST /api/v1/reports.")
        for name, project in projects.items():
            t = tally
            out(
                f"  {name:<26} {project.get_provider_display():<11} {len(t.runs[name]):>4} runs "
                f"({t.main[name]} on main, {t.prs[name]} on pull requests, {t.reruns[name]} re-runs), "
                f"{t.results[name]:,} results ({t.failed[name]} failed, {t.flaky[name]} flaky in a job)"
            )
        already = tally.uploads - tally.stored
        out(f"Uploads: {tally.uploads} posted, {tally.stored} stored, {already} already there.")
        out(f"Took {seconds:.1f} s.")
        out("Agent tokens for trying the agent against the demo (shown once; earlier seeder tokens revoked):")
        for name, plain in tokens.items():
            out(f"  {name:<28} {plain}")
        out(f"Open the dashboard at {settings.SITE_URL}/ (the admin at /admin/) as {ADMIN} / {password}")
        out(f"  or as {VIEWER} / {password}, a read-only member of every project (no action buttons)")
        if not settings.DEBUG and password == DEFAULT_PASSWORD:
            self.stderr.write("The demo password is 'admin': pass --admin-password on anything reachable.")


class Tally:
    """What the seeding did, per project: counted from the documents sent and the hub's answers."""

    def __init__(self) -> None:
        self.runs: dict[str, set] = defaultdict(set)
        self.main, self.prs, self.reruns = Counter(), Counter(), Counter()
        self.results, self.failed, self.flaky = Counter(), Counter(), Counter()
        self.uploads = self.stored = 0

    def add(self, upload: DemoUpload, answer: dict, *, replayed: bool) -> None:
        run, name = upload.document["run"], upload.project
        key = (run["run_id"], run["attempt"])
        if key not in self.runs[name]:
            self.runs[name].add(key)
            on_pr = run.get("pull_request") is not None
            self.prs[name] += on_pr
            self.main[name] += not on_pr
            self.reruns[name] += upload.rerun
        cases = upload.document["cases"]
        self.results[name] += answer.get("results", 0)
        self.failed[name] += sum(1 for c in cases if c["status"] in ("failed", "error"))
        self.flaky[name] += sum(1 for c in cases if c["status"] == "passed" and c.get("reruns"))
        self.uploads += 1
        self.stored += not replayed


class ClientPoster:
    """Posts through Django's test client: the real URL, middleware and view, without a server."""

    def __init__(self) -> None:
        self.client = Client(HTTP_HOST=_allowed_host())
        self.path = reverse("reports")

    def post(self, token: str, key: str, body: bytes) -> tuple[int, dict, bool]:
        """Send one report; answer the status, the JSON body and whether the hub had it already."""
        response = self.client.generic(
            "POST",
            self.path,
            body,
            content_type="application/json",
            secure=True,
            HTTP_AUTHORIZATION=f"Bearer {token}",
            HTTP_CONTENT_ENCODING="gzip",
            HTTP_IDEMPOTENCY_KEY=key,
        )
        return response.status_code, _json(response.content), _replayed(response)


class HttpPoster:
    """Posts over HTTP to a running hub, waiting out the upload throttle when it answers 429."""

    def __init__(self, base_url: str) -> None:
        self.url = base_url.rstrip("/") + reverse("reports")
        self.session = requests.Session()

    def post(self, token: str, key: str, body: bytes) -> tuple[int, dict, bool]:
        headers = {
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/json",
            "Content-Encoding": "gzip",
            "Idempotency-Key": key,
        }
        for _ in range(MAX_THROTTLE_WAITS):
            try:
                response = self.session.post(self.url, data=body, headers=headers, timeout=120)
            except requests.RequestException as exc:
                raise CommandError(f"Cannot reach the hub at {self.url}: {exc}") from None
            if response.status_code != 429:
                break
            time.sleep(min(60.0, float(response.headers.get("Retry-After") or 5)))
        return response.status_code, _json(response.content), _replayed(response)


# A line per task, verdict or decision.
QUIET_LOGGERS = ("django-q", "hub.failures", "hub.flaky", "hub.outbox", "hub.response", "hub.operations")


@contextmanager
def analysing_inline() -> Iterator[None]:
    """Run each upload's analysis task as it lands, in this process, so failure categories and flaky
    verdicts are there when the demo's server starts instead of queued behind its worker.

    Successful tasks are not recorded: with a save limit, django-q reads every recorded success to prune
    them after each task, so recording ~1000 seeding tasks costs more the further seeding gets (a fifth
    of the default demo's CPU time). A failed task is still recorded. Per-task log lines (django-q's and
    the analysis's, e.g. "flaky detection: 1 state changes") stay below WARNING: the summary says what
    seeding did."""
    from django_q.conf import Conf

    loggers = [logging.getLogger(name) for name in QUIET_LOGGERS]
    sync, save_limit, levels = Conf.SYNC, Conf.SAVE_LIMIT, [logger.level for logger in loggers]
    Conf.SYNC, Conf.SAVE_LIMIT = True, -1
    for logger in loggers:
        logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        Conf.SYNC, Conf.SAVE_LIMIT = sync, save_limit
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


def _replayed(response) -> bool:
    return response.headers.get("Idempotent-Replayed") == "true"


def _json(content: bytes) -> dict:
    try:
        return json.loads(content)
    except ValueError:
        return {"body": content[:500].decode("utf-8", "replace")}


def _allowed_host() -> str:
    """A host name the hub accepts, so the in-process request passes ALLOWED_HOSTS as a real one would."""
    for host in settings.ALLOWED_HOSTS:
        if host == "*":
            return "localhost"
        return "demo" + host if host.startswith(".") else host
    return "localhost"  # DEBUG with an empty ALLOWED_HOSTS accepts localhost


def ensure_admin(password: str):
    """The demo superuser, created or brought back to a known password."""
    user, _ = get_user_model().objects.get_or_create(username=ADMIN, defaults={"email": "admin@example.com"})
    user.is_staff = user.is_superuser = user.is_active = True
    user.set_password(password)
    user.save()
    return user


def ensure_viewer(projects: dict[str, Project], password: str):
    """The demo's read-only member: every project's pages, none of its buttons."""
    user, _ = get_user_model().objects.get_or_create(
        username=VIEWER, defaults={"email": "viewer@example.com"}
    )
    user.is_staff = user.is_superuser = False
    user.is_active = True
    user.set_password(password)
    user.save()
    for project in projects.values():
        Membership.objects.update_or_create(
            project=project, user=user, defaults={"role": Membership.Role.READ_ONLY}
        )
    return user


def ensure_projects() -> dict[str, Project]:
    """The demo projects and their people (owners and teammates), created once."""
    people = {}
    for name in USERS:
        user, created = get_user_model().objects.get_or_create(
            username=name, defaults={"email": f"{name}@example.com", "first_name": name.capitalize()}
        )
        if created:
            user.set_unusable_password()  # personas for memberships; log in as admin
            user.save(update_fields=["password"])
        people[name] = user
    projects = {}
    for spec in PROJECTS:
        project = Project.objects.filter(full_name=spec.full_name).first()
        if project is None:
            project = Project(full_name=spec.full_name, provider=spec.provider, default_branch="main")
            project.full_clean()
            project.save()
        Membership.objects.get_or_create(
            project=project, user=people[spec.owner], defaults={"role": Membership.Role.OWNER}
        )
        for member in spec.members:
            Membership.objects.get_or_create(
                project=project, user=people[member], defaults={"role": Membership.Role.MEMBER}
            )
        projects[spec.full_name] = project
    return projects


def stored_end(projects: dict[str, Project]) -> date | None:
    """The window's end recorded by an earlier seeding, so seeding again replays the same reports."""
    for project in projects.values():
        recorded = (project.settings or {}).get("demo", {}).get("end")
        if recorded:
            return date.fromisoformat(recorded)
    return None


def remember_end(projects: dict[str, Project], end: date) -> date:
    for project in projects.values():
        demo = {**(project.settings or {}).get("demo", {}), "end": end.isoformat()}
        if (project.settings or {}).get("demo") != demo:
            project.settings = {**(project.settings or {}), "demo": demo}
            project.save(update_fields=["settings"])
    return end


def issue_seeder_token(project: Project) -> str:
    """A fresh upload token for the seeding; the last one is revoked (plain tokens are never stored)."""
    services.revoke_tokens(AgentToken.objects.filter(project=project, name=SEEDER_TOKEN))
    _, plain = services.issue_agent_token(project, name=SEEDER_TOKEN)
    return plain
