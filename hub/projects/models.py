"""Projects (a repository on a CI provider), who may see them, and the tokens that act for them.

The project is the tenant boundary: every run, test and artifact belongs to one, and every read goes
through ``Project.objects.visible_to(user)``.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone

from hub.projects import tokens

LAST_USED_RESOLUTION = timedelta(minutes=1)  # write last_used_at at most this often per token


class Provider(models.TextChoices):
    GITHUB = "github", "GitHub"
    GITHUB_ENTERPRISE = "github-enterprise", "GitHub Enterprise Server"
    GITLAB = "gitlab", "GitLab.com"
    GITLAB_SELF_MANAGED = "gitlab-self-managed", "GitLab self-managed"
    CIRCLECI = "circleci", "CircleCI"
    JENKINS = "jenkins", "Jenkins"
    BUILDKITE = "buildkite", "Buildkite"
    AZURE_PIPELINES = "azure-pipelines", "Azure Pipelines"
    CUSTOM = "custom", "Custom"


full_name_validator = RegexValidator(
    r"^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)+$", "Use OWNER/NAME (GitLab subgroups: GROUP/SUB/NAME)."
)


class ProjectQuerySet(models.QuerySet):
    def visible_to(self, user) -> ProjectQuerySet:
        if not user or not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        return self.filter(memberships__user=user).distinct()


class Project(models.Model):
    full_name = models.CharField(
        max_length=300, unique=True, validators=[full_name_validator], help_text="OWNER/NAME on the provider."
    )
    provider = models.CharField(max_length=32, choices=Provider.choices, default=Provider.GITHUB)
    server_url = models.URLField(
        blank=True, help_text="For GitHub Enterprise or self-managed GitLab: the instance's base URL."
    )
    default_branch = models.CharField(max_length=255, default="main")
    settings = models.JSONField(default=dict, blank=True, help_text="Per-project options (see docs).")
    auto_quarantine = models.BooleanField(
        default=False, help_text="Quarantine tests the hub finds flaky (never broken ones) without asking."
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    results_loaded = models.PositiveBigIntegerField(
        default=0, editable=False, help_text="Results ever loaded; numbers the segments of the history index."
    )

    objects = ProjectQuerySet.as_manager()

    class Meta:
        ordering = ["full_name"]

    def __str__(self) -> str:
        return self.full_name

    def clean(self) -> None:
        needs_server = {Provider.GITHUB_ENTERPRISE, Provider.GITLAB_SELF_MANAGED}
        if self.provider in needs_server and not self.server_url:
            raise ValidationError({"server_url": "A self-hosted provider needs its base URL."})


class Membership(models.Model):
    """A person in a project. Owners decide (policy, responding, tasks); members also act (re-run,
    cancel, trigger, quarantine, steer fix jobs); read-only members look and act on nothing. The
    default is member, what every membership meant before read-only members existed."""

    class Role(models.TextChoices):
        OWNER = "owner", "Owner"
        MEMBER = "member", "Member"
        READ_ONLY = "read_only", "Read-only member"

    ACTING_ROLES = (Role.OWNER, Role.MEMBER)

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(
        max_length=16,
        choices=Role.choices,
        default=Role.MEMBER,
        help_text="Owners decide and act, members act, read-only members only look.",
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["project", "user"], name="membership_unique")]

    def __str__(self) -> str:
        return f"{self.user} in {self.project} ({self.role})"


class HashedToken(models.Model):
    """What agent and user tokens share: the lookup id, the digest, revocation and last use."""

    KIND = ""
    RELATED: tuple[str, ...] = ()

    name = models.CharField(max_length=100, blank=True)
    lookup_id = models.CharField(max_length=tokens.LOOKUP_CHARS, unique=True, editable=False)
    digest = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name or self.display

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @property
    def display(self) -> str:
        """What a person sees in lists: enough to tell tokens apart, nothing to use."""
        return f"{tokens.PREFIX}_{self.KIND}_{self.lookup_id}_…"

    @classmethod
    def issue(cls, **fields) -> tuple[HashedToken, str]:
        """Create a token; the plain text is returned here once and stored nowhere."""
        plain, lookup, digest = tokens.generate(cls.KIND)
        token = cls.objects.create(lookup_id=lookup, digest=digest, **fields)
        return token, plain

    @classmethod
    def authenticate(cls, plain: str) -> HashedToken | None:
        parts = tokens.split(plain, cls.KIND)
        if parts is None:
            return None
        lookup, secret = parts
        active = cls.objects.select_related(*cls.RELATED).filter(revoked_at__isnull=True)
        token = active.filter(lookup_id=lookup).first()
        if token is None or not tokens.matches(secret, token.digest):
            return None
        token.touch()
        return token

    def touch(self) -> None:
        now = timezone.now()
        if self.last_used_at and now - self.last_used_at < LAST_USED_RESOLUTION:
            return
        type(self).objects.filter(pk=self.pk).update(last_used_at=now)
        self.last_used_at = now

    def revoke(self) -> None:
        if self.revoked_at is None:
            self.revoked_at = timezone.now()
            type(self).objects.filter(pk=self.pk, revoked_at__isnull=True).update(revoked_at=self.revoked_at)


class AgentToken(HashedToken):
    """Lets the agent upload reports and artifacts for one project, and nothing else."""

    KIND = "a"
    RELATED = ("project",)
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="agent_tokens")

    class Meta:
        verbose_name = "agent token"


class ApiToken(HashedToken):
    """A person's token for the REST API; it sees what its user sees, read-only unless allowed."""

    KIND = "u"
    RELATED = ("user",)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    read_only = models.BooleanField(default=True)

    class Meta:
        verbose_name = "API token"
