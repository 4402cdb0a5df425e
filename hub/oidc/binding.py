"""From verified claims to a project and a run: which repository the token speaks for, which project that
is on this hub, whether the project accepts the token's audience, and which run an upload may write to.

Per-project options live in ``Project.settings["oidc"]`` (all optional; docs/oidc.md):
``enabled`` (default true), ``audiences`` (replaces the hub's ``OIDC_AUDIENCES``), ``repository_id``
(GitHub), ``project_id`` (GitLab), ``circleci_org_id``, ``circleci_project_id`` and ``vcs_host``
(CircleCI; the host in ``vcs-origin``, default ``github.com``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Q

from hub.oidc.errors import OidcError, RunMismatch
from hub.oidc.issuers import Issuer
from hub.projects.models import Project, Provider
from hub.runs.models import Run

CIRCLECI = "oidc.circleci.com/"
FAMILY_PROVIDERS = {
    "github": {Provider.GITHUB, Provider.GITHUB_ENTERPRISE},
    "gitlab": {Provider.GITLAB, Provider.GITLAB_SELF_MANAGED},
    "circleci": {Provider.CIRCLECI},
}
FAMILY_NAMES = {"github": "GitHub", "gitlab": "GitLab", "circleci": "CircleCI"}
DEFAULT_VCS_HOST = "github.com"


@dataclass(frozen=True)
class Identity:
    """A verified token, bound: the project it may write to and the one run it was issued for."""

    project: Project
    family: str
    repository: str  # as the token names it (the CircleCI project id when bound by a pinned one)
    run_id: str
    attempt: int | None  # GitHub only: the others have no attempt in their tokens
    subject: str


def bind(issuer: Issuer, claims: Mapping[str, Any]) -> Identity:
    """The project and run a verified token speaks for; OidcError naming what does not match."""
    binder = {"github": _github, "gitlab": _gitlab, "circleci": _circleci}[issuer.family]
    identity = binder(issuer, claims)
    options = oidc_options(identity.project)
    if options.get("enabled", True) is False:
        raise OidcError(
            "disabled",
            f"Project {identity.project.full_name} does not accept OIDC tokens (its settings set "
            "oidc.enabled to false): upload with one of its agent tokens.",
        )
    _check_audience(identity.project, issuer, claims)
    return identity


def check_run(identity: Identity, run: Mapping[str, Any]) -> None:
    """Refuse (403) a report or artifact for a run other than the one in the token's claims.

    ``run`` has the keys of ``Header.run``: ``provider``, ``provider_run_id`` and ``attempt``."""
    who = f"{FAMILY_NAMES[identity.family]} run {identity.run_id} of {identity.repository}"
    if run["provider"] not in FAMILY_PROVIDERS[identity.family]:
        raise RunMismatch(
            f"The report names provider {run['provider']!r}, but the OIDC token was issued to {who}."
        )
    if str(run["provider_run_id"]) != identity.run_id:
        raise RunMismatch(
            f"The report is for run {run['provider_run_id']!r}, but the OIDC token was issued to {who}: "
            "upload from the run that produced the report, or with an agent token."
        )
    if identity.attempt is not None and str(run["attempt"]) != str(identity.attempt):
        raise RunMismatch(
            f"The report is for attempt {run['attempt']}, but the OIDC token was issued to attempt "
            f"{identity.attempt} of {who}."
        )


def check_stored_run(identity: Identity, run: Run) -> None:
    """The same check for a run already stored (the one an idempotent replay would answer with)."""
    check_run(
        identity, {"provider": run.provider, "provider_run_id": run.provider_run_id, "attempt": run.attempt}
    )


def oidc_options(project: Project) -> dict[str, Any]:
    options = (project.settings or {}).get("oidc")
    return options if isinstance(options, dict) else {}


def _github(issuer: Issuer, claims: Mapping[str, Any]) -> Identity:
    repository = _claim(claims, "repository")
    project = _project(issuer, repository)
    _pinned(project, "repository_id", claims, "repository_id")
    attempt = _claim(claims, "run_attempt")
    if not attempt.isdigit():
        raise OidcError("missing_claim", "The token's run_attempt claim is not a number.")
    return Identity(project, "github", repository, _claim(claims, "run_id"), int(attempt), _sub(claims))


def _gitlab(issuer: Issuer, claims: Mapping[str, Any]) -> Identity:
    path = _claim(claims, "project_path")
    project = _project(issuer, path)
    _pinned(project, "project_id", claims, "project_id")
    return Identity(project, "gitlab", path, _claim(claims, "pipeline_id"), None, _sub(claims))


def _circleci(issuer: Issuer, claims: Mapping[str, Any]) -> Identity:
    if claims.get(CIRCLECI + "ssh-rerun") is True:
        raise OidcError(
            "ssh_rerun",
            "The token comes from a CircleCI job re-run with SSH, where a person can type: "
            "such jobs may not upload.",
        )
    circle_project = _claim(claims, CIRCLECI + "project-id")
    run_id = _claim(claims, CIRCLECI + "workflow-id")
    pinned = Project.objects.filter(
        provider__in=issuer.providers, settings__oidc__circleci_project_id=circle_project
    ).first()
    if pinned is not None:
        project, repository = pinned, circle_project
    else:
        origin = claims.get(CIRCLECI + "vcs-origin")
        if not isinstance(origin, str) or not origin:
            raise OidcError(
                "not_bound",
                f"No project pins CircleCI project id {circle_project} (settings oidc.circleci_project_id), "
                "and the token has no vcs-origin to bind by (use CIRCLE_OIDC_TOKEN_V2).",
            )
        host, _, repository = origin.split("://")[-1].removesuffix(".git").partition("/")
        project = _project(issuer, repository)
        expected_host = str(oidc_options(project).get("vcs_host") or DEFAULT_VCS_HOST).lower()
        if host.lower() != expected_host:
            raise OidcError(
                "claim_mismatch",
                f"The token's repository is on {host}, but project {project.full_name} expects "
                f"{expected_host} (settings oidc.vcs_host).",
            )
        if oidc_options(project).get("circleci_project_id"):
            raise OidcError(
                "claim_mismatch",
                f"Project {project.full_name} pins another CircleCI project id than the token's "
                f"({circle_project}).",
            )
    org = str(oidc_options(project).get("circleci_org_id") or "").lower()
    if org and org != issuer.org_id:
        raise OidcError(
            "claim_mismatch",
            f"The token comes from CircleCI organisation {issuer.org_id}, but project {project.full_name} "
            f"pins organisation {org} (settings oidc.circleci_org_id).",
        )
    return Identity(project, "circleci", repository, run_id, None, _sub(claims))


def _project(issuer: Issuer, repository: str) -> Project:
    candidates = Project.objects.filter(provider__in=issuer.providers, full_name__iexact=repository)
    if issuer.server:
        server = issuer.server.rstrip("/")
        candidates = candidates.filter(Q(server_url__iexact=server) | Q(server_url__iexact=server + "/"))
    project = candidates.first()
    if project is None:
        where = f" on {issuer.server}" if issuer.server else ""
        raise OidcError(
            "not_bound",
            f"Repository {repository}{where} is not bound to any project on this hub (looked for a "
            f"{' or '.join(issuer.providers)} project named {repository}): create the project, or check "
            "its name and provider.",
        )
    return project


def _pinned(project: Project, option: str, claims: Mapping[str, Any], claim: str) -> None:
    expected = oidc_options(project).get(option)
    if expected in (None, ""):
        return
    actual = claims.get(claim)
    if str(actual) != str(expected):
        raise OidcError(
            "claim_mismatch",
            f"The token's {claim} ({actual}) is not the one project {project.full_name} pins "
            f"(settings oidc.{option} = {expected}): the repository was re-created or transferred; "
            "update the setting if that is intended.",
        )


def _check_audience(project: Project, issuer: Issuer, claims: Mapping[str, Any]) -> None:
    options = oidc_options(project)
    configured = options.get("audiences")
    accepted = (
        [str(a).rstrip("/") for a in configured]
        if isinstance(configured, list)
        else [a.rstrip("/") for a in settings.OIDC_AUDIENCES]
    )
    if issuer.family == "circleci" and str(options.get("circleci_org_id") or "").lower() == issuer.org_id:
        accepted.append(issuer.org_id)  # CircleCI's injected tokens carry the organisation id as audience
    audience = claims.get("aud")
    given = [audience] if isinstance(audience, str) else audience if isinstance(audience, list) else []
    if not any(isinstance(a, str) and a.rstrip("/") in accepted for a in given):
        raise OidcError(
            "wrong_audience",
            f"The token's audience {audience!r} is not accepted by project {project.full_name} "
            f"(accepted: {', '.join(accepted) or 'none'}): request the token for the hub's URL "
            "(ORCHESTRATE_OIDC_AUDIENCE) or set the project's oidc.audiences.",
        )


def _claim(claims: Mapping[str, Any], name: str) -> str:
    value = claims.get(name)
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value:
        raise OidcError("missing_claim", f"The token has no {name} claim.")
    return value


def _sub(claims: Mapping[str, Any]) -> str:
    sub = claims.get("sub")
    return sub if isinstance(sub, str) else ""
