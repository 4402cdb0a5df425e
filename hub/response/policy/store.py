"""Reading, checking and saving a project's policy; the API, admin and responders all come here."""

from __future__ import annotations

import json
from typing import Any

import yaml
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from hub.projects.models import Project
from hub.response.channels.slack import mask
from hub.response.models import Policy
from hub.response.policy import schema
from hub.runs.services.storable import storable

YAML_TYPES = ("application/yaml", "text/yaml", "application/x-yaml")
MAX_BYTES = 64 * 1024


class PolicyInvalid(ValueError):
    """The document cannot be the policy; ``errors`` has one line per problem, each naming its key."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


def parse(text: str, *, yaml_text: bool) -> Any:
    """The document in ``text`` (YAML, or JSON), loaded safely; ``PolicyInvalid`` when it does not parse."""
    if len(text.encode()) > MAX_BYTES:
        raise PolicyInvalid([f"the policy is larger than {MAX_BYTES // 1024} KiB; it needs a few lines"])
    try:
        # NUL and lone surrogates become U+FFFD, as everywhere text enters the hub: PostgreSQL's jsonb
        # holds neither.
        return storable(yaml.safe_load(text) if yaml_text else json.loads(text))
    except (yaml.YAMLError, ValueError) as exc:
        kind = "YAML" if yaml_text else "JSON"
        where = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise PolicyInvalid([f"the policy is not valid {kind}: {where}"]) from exc


def document(project: Project) -> dict[str, Any]:
    """The project's policy as written (``{}`` when it has none)."""
    stored = Policy.objects.filter(project=project).values_list("document", flat=True).first()
    return stored or {}


def effective(project: Project) -> dict[str, dict[str, Any]]:
    """The project's policy with every key it leaves out at its default."""
    return schema.effective(document(project))


def shown(document: dict[str, Any]) -> dict[str, Any]:
    """``document`` as the API and admin show it: the Slack webhook URL (a secret: anyone holding it can
    post to the channel) masked. Saving the masked value back keeps the stored URL."""
    url = (document.get("notify") or {}).get("slack_webhook_url") if isinstance(document, dict) else None
    if not url:
        return document
    return {**document, "notify": {**document["notify"], "slack_webhook_url": mask(url)}}


def _keep_secret(new: Any, project: Project) -> Any:
    """``new`` with a masked Slack webhook URL (as ``shown`` gave it) replaced by the stored one."""
    notify = new.get("notify") if isinstance(new, dict) else None
    given = notify.get("slack_webhook_url") if isinstance(notify, dict) else None
    stored = (document(project).get("notify") or {}).get("slack_webhook_url") or ""
    if stored and given == mask(stored):
        return {**new, "notify": {**notify, "slack_webhook_url": stored}}
    return new


def save(project: Project, new: Any, user: Any = None) -> Policy:
    """Replace the project's policy with ``new`` if it is valid; ``PolicyInvalid`` names each bad key."""
    if new is None:
        new = {}
    new = _keep_secret(new, project)
    errors = schema.validate(new)
    if errors:
        raise PolicyInvalid(errors)
    by = user if getattr(user, "is_authenticated", False) else None
    with transaction.atomic():
        policy, created = Policy.objects.select_for_update().get_or_create(
            project=project, defaults={"document": new, "updated_by": by}
        )
        if not created:
            Policy.objects.filter(pk=policy.pk).update(
                document=new, updated_by=by, version=F("version") + 1, updated_at=timezone.now()
            )
            policy.refresh_from_db()
    return policy


def to_yaml(value: dict[str, Any]) -> str:
    return yaml.safe_dump(value, sort_keys=False, default_flow_style=False)
